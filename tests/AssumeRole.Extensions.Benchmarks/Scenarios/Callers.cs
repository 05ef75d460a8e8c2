using System.Diagnostics;
using Amazon.Runtime;

namespace AssumeRole.Extensions.Benchmarks.Scenarios;

/// <summary>
/// Simulated request handlers: each awaits <see cref="AWSCredentials.GetCredentialsAsync()"/>, then yields for about
/// a millisecond (as a handler would do its work), until the deadline. Every call's duration is recorded.
/// </summary>
internal static class Callers
{
    public static async Task<CallerStats> RunAsync(AWSCredentials provider, int callers, TimeSpan duration)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var runs = Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            var latencies = new List<double>(4096);
            var errors = 0;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await provider.GetCredentialsAsync();
                }
                catch (AmazonClientException)
                {
                    errors++;
                }

                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                await Task.Delay(1);
            }

            return (latencies, errors);
        })).ToArray();

        var results = await Task.WhenAll(runs);
        var all = results.SelectMany(r => r.latencies).Order().ToArray();
        return new CallerStats(all.Length, results.Sum(r => r.errors), all.Length == 0 ? 0 : all[^1], all.Length == 0 ? 0 : all[(int)(0.99 * (all.Length - 1))]);
    }
}

internal sealed record CallerStats(int Calls, int Errors, double WorstMs, double P99Ms);
