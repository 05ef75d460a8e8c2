using System.Diagnostics;
using AssumeRole.Extensions.Caching;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.StackExchangeRedis;
using AssumeRole.Extensions.Testing;
using Amazon.Runtime;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace AssumeRole.Extensions.IntegrationTests.Caching;

/// <summary>
/// Two review findings on fleet coordination, on a real redis-server: the lease holder logged its outcome (event 38)
/// after STS answered and before it stored the session and released the lease, outside any guard, so a throwing
/// logger lost the session STS had issued and left the lease held (every waiter waited out the lease time); and a
/// waiter's Redis commands (subscribe, lease check) were not bounded, so a Redis pausing mid-wait held it for the whole
/// wait. Logging is now best effort around shared work, and every command of a wait is bounded.
/// </summary>
public sealed class IssuesTestsFleetLeaseHeldWhenLoggerThrows : IAsyncLifetime
{
    private const string RoleArn = "arn:aws:iam::123456789012:role/fleet/Review";
    private readonly IDataProtectionProvider _keyRing = new EphemeralDataProtectionProvider();
    private readonly string _instanceName = "fleet-review-" + Guid.NewGuid().ToString("N") + ":";
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
    public async Task Holder_LoggerThrowsOnLeaseEvent_CallerGetsTheSessionAndTheLeaseIsReleased()
    {
        await using var redis = await RedisServerFixture.StartNewAsync();
        RequiresServer.Available(redis.UnavailableReason);
        var coordinatorOptions = new RedisFleetCoordinatorOptions { LeaseTime = TimeSpan.FromSeconds(30) };
        var holder = await ProcessAsync(redis, coordinatorOptions, new ThrowingLoggerProvider(eventId: 38));
        var waiter = await ProcessAsync(redis, coordinatorOptions, null);

        var held = await holder.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await ((CachedSessionFetcher)holder.Session.Fetcher).PendingBackground; // the write, then the release

        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        // SCAN asynchronously: the synchronous enumerator waits with a timed blocking wait, which libfaketime (CI's
        // shifted-clock rerun) ends at once.
        var leases = await connection.GetServer(connection.GetEndPoints()[0]).KeysAsync(pattern: coordinatorOptions.KeyPrefix + "*").ToListAsync(TestContext.Current.CancellationToken);
        Assert.Empty(leases);

        // The waiter finds the holder's session (no second STS call), well before the 30 s lease would have expired.
        var read = await waiter.GetCredentialsAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        Assert.Equal(held.AccessKey, read.AccessKey);
        Assert.Equal(1, _sts.Emulator.CountCalls("AssumeRole", RoleArn));
    }

    [Fact]
    public async Task Waiter_RedisPausedDuringTheWait_CallsStsAfterACommandTimeout()
    {
        await using var redis = await RedisServerFixture.StartNewAsync();
        RequiresServer.Available(redis.UnavailableReason);

        // A 60 s lease: unbounded commands would hold the waiter for up to two lease times. CommandTimeout: 250 ms.
        var coordinatorOptions = new RedisFleetCoordinatorOptions { LeaseTime = TimeSpan.FromSeconds(60) };
        // The client's own command timeout (asyncTimeout, 5 s by default) is not a bound the library may rely on.
        var waiter = await ProcessAsync(redis, coordinatorOptions, null, ",asyncTimeout=120000");
        var key = await ((CachedSessionFetcher)waiter.Session.Fetcher).TryGetKeyAsync(TestContext.Current.CancellationToken);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);

        // A holder that crashed: its lease has the whole lease time left.
        Assert.True(await connection.GetDatabase().LockTakeAsync(coordinatorOptions.KeyPrefix + key, "crashed-holder", coordinatorOptions.LeaseTime));
        var call = waiter.GetCredentialsAsync(TestContext.Current.CancellationToken);

        // Paused once the waiter is waiting (it has subscribed to the release channel).
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        var subscribing = Stopwatch.StartNew();
        while (await server.SubscriptionSubscriberCountAsync(RedisChannel.Literal(coordinatorOptions.Channel)) == 0 && subscribing.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.False(call.IsCompleted);
        await redis.PauseAsync();
        var paused = Stopwatch.StartNew();
        try
        {
            // Generous for a loaded machine, far below the 60 s an unbounded command waits.
            var credentials = await call.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            Assert.NotNull(credentials.Token);
        }
        finally
        {
            await redis.ResumeAsync();
        }

        Assert.True(paused.Elapsed < TimeSpan.FromSeconds(30), $"waited {paused.Elapsed} with Redis paused");
        Assert.Equal(1, _sts.Emulator.CountCalls("AssumeRole", RoleArn));
    }

    /// <summary>A "process": its own clock (session cache), Redis connection, cache and coordinator.</summary>
    private async Task<AssumeRoleCredentials> ProcessAsync(RedisServerFixture redis, RedisFleetCoordinatorOptions coordinatorOptions, ILoggerProvider? logs, string configuration = "")
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",abortConnect=false" + configuration);
        _disposables.Add(connection);
        var cache = new RedisCache(Microsoft.Extensions.Options.Options.Create(new RedisCacheOptions
        {
            ConnectionMultiplexerFactory = () => Task.FromResult<IConnectionMultiplexer>(connection),
            InstanceName = _instanceName,
        }));
        _disposables.Add(cache);
        var loggerFactory = new LoggerFactory(logs is null ? [] : [logs], new LoggerFilterOptions { MinLevel = LogLevel.Debug });
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

    /// <summary>A log sink that throws on one event id (a broken sink, a logger that rejects a message).</summary>
    private sealed class ThrowingLoggerProvider(int eventId) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Throwing(eventId);

        public void Dispose()
        {
        }

        private sealed class Throwing(int eventId) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId id, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (id.Id == eventId)
                {
                    throw new InvalidOperationException("log sink down");
                }
            }
        }
    }
}
