using System.Diagnostics;
using System.Reflection;
using AssumeRole.Extensions.Benchmarks.Scenarios;
using BenchmarkDotNet.Attributes;

namespace AssumeRole.Extensions.Benchmarks;

/// <summary>
/// The CI run: every console scenario with tiny sizes, then every benchmark method of the assembly invoked directly
/// (global setup, a few calls, global cleanup) for each of its parameter values. No thresholds: it proves that the
/// project builds, runs and really talks to the emulator, so that it cannot rot between benchmark runs.
/// </summary>
internal static class Smoke
{
    public static async Task<int> RunAsync(TextWriter output)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await new ScenarioRunner(ScenarioSettings.Smoke, output).RunAsync();
            foreach (var type in typeof(Smoke).Assembly.GetTypes().Where(t => t.GetMethods().Any(m => m.IsDefined(typeof(BenchmarkAttribute)))))
            {
                foreach (var parameters in ParameterSets(type))
                {
                    await InvokeAsync(type, parameters, output);
                }
            }

            output.WriteLine($"smoke: passed in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
            return 0;
        }
#pragma warning disable CA1031 // The smoke run reports any failure as its exit code.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            output.WriteLine($"smoke: FAILED: {ex}");
            return 1;
        }
    }

    private static IEnumerable<(PropertyInfo Property, object? Value)[]> ParameterSets(Type type)
    {
        var parameters = type.GetProperties().Where(p => p.IsDefined(typeof(ParamsAttribute))).ToArray();
        IEnumerable<(PropertyInfo, object?)[]> sets = [[]];
        foreach (var property in parameters)
        {
            var values = property.GetCustomAttribute<ParamsAttribute>()!.Values;
            sets = sets.SelectMany(set => values.Select(v => set.Append((property, v)).ToArray())).ToList();
        }

        return sets;
    }

    private static async Task InvokeAsync(Type type, (PropertyInfo Property, object? Value)[] parameters, TextWriter output)
    {
        var instance = Activator.CreateInstance(type)!;
        foreach (var (property, value) in parameters)
        {
            property.SetValue(instance, value);
        }

        Call<GlobalSetupAttribute>(instance);
        try
        {
            foreach (var method in type.GetMethods().Where(m => m.IsDefined(typeof(BenchmarkAttribute))))
            {
                for (var i = 0; i < 3; i++)
                {
                    var result = method.Invoke(instance, null);
                    if (result is Task task)
                    {
                        await task;
                    }
                }

                output.WriteLine($"smoke: {type.Name}.{method.Name}({string.Join(", ", parameters.Select(p => $"{p.Property.Name}={p.Value}"))}) ok");
            }
        }
        finally
        {
            Call<GlobalCleanupAttribute>(instance);
        }
    }

    private static void Call<TAttribute>(object instance)
        where TAttribute : Attribute
    {
        foreach (var method in instance.GetType().GetMethods().Where(m => m.IsDefined(typeof(TAttribute))))
        {
            method.Invoke(instance, null);
        }
    }
}
