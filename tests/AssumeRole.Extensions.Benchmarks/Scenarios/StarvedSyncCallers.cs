using System.Diagnostics;
using System.Globalization;
using Amazon.Runtime;
using AssumeRole.Extensions.Benchmarks.Infrastructure;
using AssumeRole.Extensions.Testing;

namespace AssumeRole.Extensions.Benchmarks.Scenarios;

/// <summary>
/// Sync callers on a starved thread pool: N <c>Task.Run(() =&gt; provider.GetCredentials())</c> on a cold provider,
/// STS answering after a fixed latency, <c>ThreadPool.SetMinThreads(2, 2)</c>. Each provider runs in a child process of
/// its own (a fresh thread pool: the first run would otherwise leave the second dozens of warm threads), against the
/// emulator in this process (so that the starved pool cannot slow STS itself down).
/// </summary>
internal static class StarvedSyncCallers
{
    public const string ChildMode = "starved-sync-child";

    /// <summary>
    /// Runs the scenario for the SDK's provider and ours; returns (SDK, ours). With <paramref name="firstAsync"/>, the first
    /// caller is an async one (<c>await GetCredentialsAsync()</c>) and starts the refresh, the other callers are sync.
    /// </summary>
    public static async Task<(Result Sdk, Result Ours)> RunAsync(int callers, TimeSpan latency, TextWriter output, bool firstAsync = false)
    {
        var sts = StsBench.Shared;
        var results = new Dictionary<string, Result>();
        foreach (var kind in new[] { "sdk", "ours" })
        {
            var role = sts.AddRole($"starved-{kind}");
            var fault = StsFault.Latency(latency, times: null, "AssumeRole", role);
            sts.Emulator.Faults.Add(fault);
            try
            {
                results[kind] = await RunChildAsync(kind, role, callers, sts, firstAsync);
            }
            finally
            {
                sts.Emulator.Faults.Remove(fault);
            }

            output.WriteLine($"starved sync callers{(firstAsync ? " (first caller async)" : string.Empty)}, {kind}: {results[kind]}; AssumeRole calls {sts.AssumeRoleCalls(role)}");
        }

        return (results["sdk"], results["ours"]);
    }

    /// <summary>The child process: sets the pool minimum, starts the callers, prints one result line.</summary>
    public static int RunChild(string[] args)
    {
        var (kind, endpoint, keyId, secret, role, callers) = (args[1], args[2], args[3], args[4], args[5], int.Parse(args[6], CultureInfo.InvariantCulture));
        var firstAsync = args.Length > 7 && args[7] == "first-async";
        ThreadPool.SetMinThreads(2, 2);
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_STS", endpoint);
        Environment.SetEnvironmentVariable("AWS_REGION", StsBench.Region);
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        var source = new BasicAWSCredentials(keyId, secret);
        AWSCredentials Make(string sessionName) => kind == "sdk"
            ? new AssumeRoleAWSCredentials(source, role, sessionName)
            : new AssumeRoleCredentials(new AssumeRoleOptions
            {
                RoleArn = role,
                RoleSessionName = sessionName,
                SourceCredentials = source,
                ServiceUrl = endpoint,
                Region = StsBench.Region,
            });

        // JIT and the HTTP stack are warmed on another session (a different session name, so our cache cannot share
        // it), from this non-pool thread: the measured provider is cold, the process is not.
        Make("warm-up").GetCredentials();

        var provider = Make("bench");
        var started = Stopwatch.GetTimestamp();
        var runs = Enumerable.Range(0, callers).Select(i => Task.Run(async () =>
        {
            try
            {
                if (i == 0 && firstAsync)
                {
                    await provider.GetCredentialsAsync();
                }
                else
                {
                    provider.GetCredentials();
                }

                return (Ok: true, Code: (string?)null, Ms: Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            catch (AmazonClientException ex)
            {
                return (Ok: false, Code: (ex as AssumeRoleException)?.ErrorCode ?? ex.GetType().Name, Ms: Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        })).ToArray();
        Task.WaitAll(runs);
        var outcomes = runs.Select(r => r.Result).ToList();
        var codes = string.Join(",", outcomes.Where(o => !o.Ok).GroupBy(o => o.Code).Select(g => $"{g.Key}x{g.Count()}"));
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"RESULT {outcomes.Count(o => o.Ok)} {outcomes.Count(o => !o.Ok)} {outcomes.Max(o => o.Ms):0.0} {ThreadPool.ThreadCount} {(codes.Length == 0 ? "-" : codes)}"));
        return 0;
    }

    private static async Task<Result> RunChildAsync(string kind, string role, int callers, StsBench sts, bool firstAsync)
    {
        var entry = typeof(StarvedSyncCallers).Assembly.Location;
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // Under `dotnet run` the process is the app host; under `dotnet x.dll` it is dotnet itself, which needs the dll.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(entry);
        }

        foreach (var arg in new[] { ChildMode, kind, sts.Emulator.Endpoint.ToString(), sts.User.AccessKeyId, sts.User.SecretAccessKey, role, callers.ToString(CultureInfo.InvariantCulture), firstAsync ? "first-async" : "all-sync" })
        {
            start.ArgumentList.Add(arg);
        }

        using var child = Process.Start(start)!;
        var stdout = child.StandardOutput.ReadToEndAsync();
        var stderr = child.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await child.WaitForExitAsync(timeout.Token);
        var line = (await stdout).Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"The {kind} child printed no result (exit {child.ExitCode}): {await stdout} {await stderr}");
        var parts = line.Split(' ');
        return new Result(
            int.Parse(parts[1], CultureInfo.InvariantCulture),
            int.Parse(parts[2], CultureInfo.InvariantCulture),
            double.Parse(parts[3], CultureInfo.InvariantCulture),
            int.Parse(parts[4], CultureInfo.InvariantCulture),
            parts[5]);
    }

    /// <summary>One provider's outcome: callers that got credentials, callers that failed, the slowest caller.</summary>
    internal sealed record Result(int Succeeded, int Failed, double SlowestMs, int PoolThreads, string ErrorCodes)
    {
        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture, $"{Succeeded} ok / {Failed} failed ({ErrorCodes}), slowest {SlowestMs:0} ms, {PoolThreads} pool threads at the end");
    }
}
