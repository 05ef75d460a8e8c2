using AssumeRole.Extensions.Caching;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.StackExchangeRedis;
using AssumeRole.Extensions.Testing;
using Amazon.Runtime;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using StackExchange.Redis;

namespace AssumeRole.Extensions.IntegrationTests.Caching;

/// <summary>
/// Fleet coordination (<see cref="RedisFleetCoordinator"/>) on a real redis-server with the STS emulator: "processes"
/// are providers with their own session cache, Redis connection and coordinator. The 8-OS-process scenario over several
/// session lifetimes is the benchmarks' <c>fleet</c> mode (its short version runs in CI).
/// </summary>
public sealed class FleetCoordinationRedisTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private const string RoleArn = "arn:aws:iam::123456789012:role/fleet/Api";

    private readonly IDataProtectionProvider _keyRing = new EphemeralDataProtectionProvider();
    private readonly string _instanceName = "fleet-" + Guid.NewGuid().ToString("N") + ":";
    private readonly List<IDisposable> _disposables = [];
    private EmulatorFixture _sts = null!;
    private EmulatedUser _user = null!;

    public async ValueTask InitializeAsync()
    {
        _sts = await EmulatorFixture.StartAsync();
        _user = _sts.Emulator.AddUser("api");
        _sts.Emulator.AddRole(RoleArn);
    }

    public async ValueTask DisposeAsync()
    {
        _disposables.ForEach(d => d.Dispose());
        await _sts.DisposeAsync();
    }

    [Fact]
    public async Task ColdStart_EightProcessesAtOnce_OneAssumeRoleCallAndOneSession()
    {
        RequiresServer.Available(redis.UnavailableReason);
        var processes = new List<AssumeRoleCredentials>();
        for (var i = 0; i < 8; i++)
        {
            processes.Add(await ProcessAsync(new RedisFleetCoordinatorOptions()));
        }

        var credentials = await Task.WhenAll(processes.Select(p => p.GetCredentialsAsync(TestContext.Current.CancellationToken)));

        Assert.Equal(1, _sts.Emulator.CountCalls("AssumeRole", RoleArn));
        Assert.Single(credentials.Select(c => c.AccessKey).Distinct());
    }

    [Fact]
    public async Task ColdStart_LeaseHolderCrashed_WaiterTakesOverWhenTheLeaseExpires()
    {
        RequiresServer.Available(redis.UnavailableReason);
        var logs = new FakeLogCollector();
        var options = new RedisFleetCoordinatorOptions { LeaseTime = TimeSpan.FromSeconds(2) };
        var process = await ProcessAsync(options, logs);
        var key = await ((CachedSessionFetcher)process.Session.Fetcher).TryGetKeyAsync(TestContext.Current.CancellationToken);

        // A process took the lease and died before calling STS: nobody will release it.
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        Assert.True(await connection.GetDatabase().LockTakeAsync(options.KeyPrefix + key, "crashed-holder", options.LeaseTime));

        var credentials = await process.GetCredentialsAsync(TestContext.Current.CancellationToken)
            .WaitAsync(4 * options.LeaseTime, TestContext.Current.CancellationToken);

        Assert.NotNull(credentials.Token);
        Assert.Equal(1, _sts.Emulator.CountCalls("AssumeRole", RoleArn));
        await ((CachedSessionFetcher)process.Session.Fetcher).PendingBackground; // the write, then the release
        Assert.Contains(logs.GetSnapshot(), r => r.Id.Id == 38 && r.Message.Contains("held the lease, called STS", StringComparison.Ordinal));
        Assert.False(await connection.GetDatabase().KeyExistsAsync(options.KeyPrefix + key));
    }

    [Fact]
    public async Task ColdStart_LeaseHolderStsCallFails_WaiterCallsStsItselfAtOnce()
    {
        RequiresServer.Available(redis.UnavailableReason);
        var holder = await ProcessAsync(new RedisFleetCoordinatorOptions { LeaseTime = TimeSpan.FromSeconds(30) });
        var waiter = await ProcessAsync(new RedisFleetCoordinatorOptions { LeaseTime = TimeSpan.FromSeconds(30) });

        // The first AssumeRole fails (permanently for that caller); whoever held the lease releases it at once.
        _sts.Emulator.Faults.Add(StsFault.Error(403, "AccessDenied", "Denied by the test.", times: 1, action: "AssumeRole", roleArn: RoleArn));
        var results = await Task.WhenAll(
            Attempt(holder.GetCredentialsAsync(TestContext.Current.CancellationToken)),
            Attempt(waiter.GetCredentialsAsync(TestContext.Current.CancellationToken)));

        // One caller got the refusal, the other its own session without waiting out the 30 s lease.
        Assert.Equal(1, results.Count(r => r is null));
        Assert.Equal(2, _sts.Emulator.CountCalls("AssumeRole", RoleArn));

        static async Task<ImmutableCredentials?> Attempt(Task<ImmutableCredentials> call)
        {
            try
            {
                return await call.WaitAsync(TimeSpan.FromSeconds(20));
            }
            catch (AssumeRoleException)
            {
                return null;
            }
        }
    }

    /// <summary>A "process": its own clock (session cache), Redis connections, cache and coordinator.</summary>
    private async Task<AssumeRoleCredentials> ProcessAsync(RedisFleetCoordinatorOptions coordinatorOptions, FakeLogCollector? logs = null)
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        _disposables.Add(connection);
        var cache = new RedisCache(Microsoft.Extensions.Options.Options.Create(new RedisCacheOptions
        {
            ConnectionMultiplexerFactory = () => Task.FromResult<IConnectionMultiplexer>(connection),
            InstanceName = _instanceName,
        }));
        _disposables.Add(cache);
        var loggerFactory = new LoggerFactory(logs is null ? [] : [new FakeLoggerProvider(logs)], new LoggerFilterOptions { MinLevel = LogLevel.Debug });
        _disposables.Add(loggerFactory);
        var provider = new AssumeRoleCredentials(
            new AssumeRoleOptions
            {
                RoleArn = RoleArn,
                RoleSessionName = "api",
                SourceCredentials = new BasicAWSCredentials(_user.AccessKeyId, _user.SecretAccessKey),
                ServiceUrl = _sts.Emulator.Endpoint.ToString(),
                Region = "us-east-1",
                MaxStsRetries = 0,

                // Lease calls and releases have this timeout too: 250 ms (the default) is short for this shared CI
                // machine at load averages of 20–60 (a release that times out leaves the lease to expire instead).
                SecondLevelCacheTimeout = TimeSpan.FromSeconds(2),
                DistributedCache = cache,
                DataProtectionProvider = _keyRing,
                FleetCoordinator = new RedisFleetCoordinator(connection, coordinatorOptions),
            },
            new SystemClockOfItsOwn(),
            loggerFactory);
        _disposables.Add(provider);
        return provider;
    }

    /// <summary>The real clock, as a distinct provider: each "process" gets its own session cache.</summary>
    private sealed class SystemClockOfItsOwn : TimeProvider;
}
