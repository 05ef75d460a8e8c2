using System.Diagnostics;
using System.Globalization;
using Amazon.Runtime;
using AssumeRole.Extensions.Testing;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.StackExchangeRedis;

namespace AssumeRole.Extensions.Benchmarks.Fleet;

/// <summary>
/// The sick-cache measurement (<c>sick-redis</c> mode): with a real redis-server healthy, paused (SIGSTOP: connected but
/// silent, as under <c>DEBUG SLEEP</c>) and killed, 20 new sessions (new tenants) one after the other; reports how long
/// each cold caller waited. StackExchange.Redis is left at its defaults (5 s timeouts), as in the report.
/// </summary>
public static class SickRedisScenario
{
    private const int Sessions = 20;

    public static async Task<int> RunAsync(TextWriter output)
    {
        output.WriteLine($"Sick Redis: {Sessions} new sessions one after the other per state; load {FleetDriver.Load()}");
        output.WriteLine();
        output.WriteLine("| Redis | first cold caller | slowest | median | cache reads that failed | circuit opened |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var state in new[] { "healthy", "paused", "killed" })
        {
            var port = FleetDriver.FreePort();
            var redis = FleetDriver.StartRedis(FleetDriver.FindOnPath("redis-server") ?? throw new InvalidOperationException("redis-server is not installed."), port);
            await using var sts = await StsEmulator.StartAsync(new StsEmulatorOptions());
            var user = sts.AddUser("tenant-service");
            var events = new CountingLoggerProvider();
            using var loggerFactory = new Microsoft.Extensions.Logging.LoggerFactory([events]);
            using var cache = new RedisCache(Microsoft.Extensions.Options.Options.Create(new RedisCacheOptions { Configuration = $"127.0.0.1:{port},abortConnect=false" }));
            var keyRing = new EphemeralDataProtectionProvider();
            AssumeRoleCredentials Create(int i)
            {
                var role = $"arn:aws:iam::{sts.AccountId}:role/sick/{state}-{i}";
                sts.AddRole(role);
                return new AssumeRoleCredentials(
                    new AssumeRoleOptions
                    {
                        RoleArn = role,
                        RoleSessionName = "tenant-service",
                        SourceCredentials = new BasicAWSCredentials(user.AccessKeyId, user.SecretAccessKey),
                        ServiceUrl = sts.Endpoint.ToString(),
                        Region = "us-east-1",
                        DistributedCache = cache,
                        DataProtectionProvider = keyRing,
                    },
                    timeProvider: null,
                    loggerFactory);
            }

            try
            {
                // Connected and warm (JIT, connection) with Redis healthy.
                using (var warm = Create(0))
                {
                    await warm.GetCredentialsAsync();
                    await Task.Delay(500);
                }

                events.Counts.Clear();
                if (state == "paused")
                {
                    Process.Start("kill", ["-STOP", redis.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
                }
                else if (state == "killed")
                {
                    redis.Kill();
                    redis.WaitForExit();
                }

                var waits = new List<TimeSpan>();
                for (var i = 1; i <= Sessions; i++)
                {
                    using var provider = Create(i);
                    var watch = Stopwatch.StartNew();
                    await provider.GetCredentialsAsync();
                    waits.Add(watch.Elapsed);
                }

                var sorted = waits.OrderBy(w => w).ToList();
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"| {state} | {waits[0].TotalMilliseconds:F0} ms | {sorted[^1].TotalMilliseconds:F0} ms | {sorted[sorted.Count / 2].TotalMilliseconds:F0} ms | {events.Counts.GetValueOrDefault(32)} (incl. writes) | {events.Counts.GetValueOrDefault(36)} |"));
            }
            finally
            {
                if (!redis.HasExited)
                {
                    Process.Start("kill", ["-CONT", redis.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
                    redis.Kill();
                }

                redis.Dispose();
            }
        }

        output.WriteLine();
        output.WriteLine($"load after: {FleetDriver.Load()}");
        return 0;
    }
}
