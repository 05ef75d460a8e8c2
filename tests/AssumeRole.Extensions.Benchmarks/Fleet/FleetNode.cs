using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Amazon.Runtime;
using AssumeRole.Extensions.StackExchangeRedis;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using StackExchange.Redis;

namespace AssumeRole.Extensions.Benchmarks.Fleet;

/// <summary>
/// One OS process of the fleet scenario (<c>fleet-node</c> mode): a provider per role, built as a service of the fleet
/// would build it, and a caller per role that asks for credentials every 100 ms once the driver says go. It reports
/// the calls, the failures, and when it last saw each access key (the driver checks none was served past its expiry).
/// </summary>
public static class FleetNode
{
    public const string Ours = "ours";
    public const string OursWithoutLeases = "ours-no-lease";
    public const string Sdk = "sdk";

    public static async Task<int> RunAsync(string[] args)
    {
        var o = args.Skip(1).Select(a => a.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        var mode = o["mode"];
        var roles = o["roles"].Split(',');
        var advisory = TimeSpan.FromSeconds(double.Parse(o["advisory"], CultureInfo.InvariantCulture));
        var mandatory = TimeSpan.FromSeconds(double.Parse(o["mandatory"], CultureInfo.InvariantCulture));
        var runTime = TimeSpan.FromSeconds(double.Parse(o["run"], CultureInfo.InvariantCulture));
        var source = new BasicAWSCredentials(o["key"], o["secret"]);

        // What each process of a fleet holds: one Redis connection, the fleet's key ring, a cache and a coordinator.
        var redis = await ConnectionMultiplexer.ConnectAsync(o["redis"] + ",abortConnect=false");
        var cache = new RedisCache(Microsoft.Extensions.Options.Options.Create(new RedisCacheOptions
        {
            ConnectionMultiplexerFactory = () => Task.FromResult<IConnectionMultiplexer>(redis),
            InstanceName = "fleet:",
        }));
        var keyRing = DataProtectionProvider.Create(new DirectoryInfo(o["keys"]), b => b.SetApplicationName("assume-role-fleet"));
        // The coordinator's command bound alike the second-level timeout, as its documentation asks (with the 250 ms
        // default beside a 2 s cache timeout, a slow first subscribe sent waiters to STS: 1.300 calls in one CI run).
        var timeout = TimeSpan.FromSeconds(double.Parse(o["timeout"], CultureInfo.InvariantCulture));
        var coordinator = new RedisFleetCoordinator(redis, new RedisFleetCoordinatorOptions { CommandTimeout = timeout });
        var events = new CountingLoggerProvider();
        using var loggerFactory = new Microsoft.Extensions.Logging.LoggerFactory([events]);
        var providers = roles.Select(role => mode switch
        {
            Sdk => (AWSCredentials)new AssumeRoleAWSCredentials(source, role, "fleet", new AssumeRoleAWSCredentialsOptions()) { PreemptExpiryTime = advisory },
            _ => new AssumeRoleCredentials(new AssumeRoleOptions
            {
                RoleArn = role,
                RoleSessionName = "fleet",
                SourceCredentials = source,
                ServiceUrl = o["sts"],
                Region = "us-east-1",
                AdvisoryRefreshWindow = advisory,
                MandatoryRefreshWindow = mandatory,
                DistributedCache = cache,
                DataProtectionProvider = keyRing,
                FleetCoordinator = mode == Ours ? coordinator : null,
                SecondLevelCacheTimeout = timeout,
            }, timeProvider: null, loggerFactory),
        }).ToList();

        Console.WriteLine("ready");
        if (await Console.In.ReadLineAsync() != "go")
        {
            return 2;
        }

        var calls = 0;
        var failures = 0;
        var errors = new List<string>();
        var lastSeen = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(providers.Select(async provider =>
        {
            while (watch.Elapsed < runTime)
            {
                try
                {
                    var credentials = await provider.GetCredentialsAsync();
                    Interlocked.Increment(ref calls);
                    lock (lastSeen)
                    {
                        lastSeen[credentials.AccessKey] = TimeProvider.System.GetUtcNow();
                    }
                }
                catch (Exception ex)
                {
                    Interlocked.Increment(ref failures);
                    lock (errors)
                    {
                        errors.Add(ex.GetType().Name + ": " + ex.Message);
                    }
                }

                await Task.Delay(100);
            }
        }));

        Console.WriteLine("result " + JsonSerializer.Serialize(new FleetNodeResult(calls, failures, [.. errors.Distinct().Take(5)], lastSeen, new Dictionary<int, int>(events.Counts), events.Warnings)));
        providers.OfType<IDisposable>().ToList().ForEach(p => p.Dispose());
        await redis.DisposeAsync();
        return 0;
    }
}

/// <summary>What a node reports.</summary>
public sealed record FleetNodeResult(
    int Calls,
    int Failures,
    IReadOnlyList<string> Errors,
    IReadOnlyDictionary<string, DateTimeOffset> LastSeen,
    IReadOnlyDictionary<int, int>? Events = null,
    IReadOnlyList<string>? Warnings = null);
