using System.Collections.Concurrent;
using StackExchange.Redis;

namespace AssumeRole.Extensions.StackExchangeRedis;

/// <summary>
/// Fleet coordination on Redis: a lease is <c>SET key holder NX PX lease-time</c> (StackExchange.Redis'
/// <c>LockTake</c>), released by its holder only (a script deletes it if its value is still the holder's; where Redis denies scripting,
/// StackExchange.Redis' <c>LockRelease</c> transaction does), and
/// announced on a pub/sub channel so that waiting processes read the session at once. A holder that crashes leaves a
/// lease that Redis expires.
/// </summary>
/// <remarks>
/// <para>
/// Set it on every process of the fleet, with the same Redis as <see cref="AssumeRoleOptions.DistributedCache"/> or
/// another one:
/// <code>
/// var redis = await ConnectionMultiplexer.ConnectAsync("redis:6379");
/// options.DistributedCache = new RedisCache(new RedisCacheOptions { ConnectionMultiplexerFactory = () => Task.FromResult&lt;IConnectionMultiplexer&gt;(redis) });
/// options.DataProtectionProvider = keyRingSharedByTheFleet;
/// options.FleetCoordinator = new RedisFleetCoordinator(redis);
/// </code>
/// </para>
/// <para>
/// A single Redis (or a primary with replicas) is assumed, as for the cache. With a failover that loses the lease,
/// two processes may call STS for one session: one call too many, never a wrong session. StackExchange.Redis commands
/// cannot be cancelled; the library bounds every call with its own timeout and circuit breaker.
/// </para>
/// </remarks>
public sealed class RedisFleetCoordinator : IFleetCoordinator
{
    /// <summary>Deletes the lease if it is still the caller's: 1 when it was, 0 otherwise.</summary>
    private const string ReleaseScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisFleetCoordinatorOptions _options;
    private readonly RedisChannel _channel;
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _released = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _subscribeGate = new(1, 1);
    private volatile bool _subscribed;
    private volatile bool _scriptingUnavailable;

    /// <summary>Initializes a new instance of the <see cref="RedisFleetCoordinator"/> class.</summary>
    /// <param name="redis">The connection (shared; not disposed by the coordinator).</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    public RedisFleetCoordinator(IConnectionMultiplexer redis, RedisFleetCoordinatorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        _redis = redis;
        _options = options ?? new RedisFleetCoordinatorOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.LeaseTime, TimeSpan.FromMilliseconds(100), nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.PollInterval, TimeSpan.FromMilliseconds(10), nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.CommandTimeout, TimeSpan.FromMilliseconds(10), nameof(options));
        ArgumentException.ThrowIfNullOrEmpty(_options.KeyPrefix, nameof(options));
        ArgumentException.ThrowIfNullOrEmpty(_options.Channel, nameof(options));
        ArgumentNullException.ThrowIfNull(_options.TimeProvider, nameof(options));
        _channel = RedisChannel.Literal(_options.Channel);
    }

    /// <inheritdoc />
    public TimeSpan LeaseTime => _options.LeaseTime;

    private IDatabase Database => _redis.GetDatabase(_options.Database);

    /// <inheritdoc />
    public Task<bool> TryAcquireAsync(string key, string holder, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentException.ThrowIfNullOrEmpty(holder);
        return Database.LockTakeAsync(LeaseKey(key), holder, _options.LeaseTime);
    }

    /// <inheritdoc />
    public async Task ReleaseAsync(string key, string holder, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentException.ThrowIfNullOrEmpty(holder);

        // Only the holder's own lease: after it expired another process may hold a new one, which stays. One script
        // (compare and delete, atomic on the server) rather than StackExchange.Redis' LockRelease: that is a
        // WATCH/GET/MULTI/DEL/EXEC transaction whose GET reply the client awaits with a blocking Monitor.Wait bounded
        // by its syncTimeout, so a Redis slower than that (or a blocking wait ended early) aborted the release and
        // left the lease to expire while every waiter waited for it; the script is one asynchronous round trip.
        // Where scripting is denied (an ACL without @scripting, EVAL renamed away, some managed offerings) the
        // transaction is the fallback, and the coordinator remembers it: later releases skip the failing script.
        bool released;
        if (_scriptingUnavailable)
        {
            released = await Database.LockReleaseAsync(LeaseKey(key), holder).ConfigureAwait(false);
        }
        else
        {
            try
            {
                released = (long)await Database.ScriptEvaluateAsync(ReleaseScript, [LeaseKey(key)], [holder]).ConfigureAwait(false) == 1;
            }
            catch (RedisServerException ex) when (IsScriptingDenied(ex))
            {
                _scriptingUnavailable = true;
                released = await Database.LockReleaseAsync(LeaseKey(key), holder).ConfigureAwait(false);
            }
        }

        if (released)
        {
            await _redis.GetSubscriber().PublishAsync(_channel, key).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<bool> WaitForReleaseAsync(string key, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var time = _options.TimeProvider;

        // Every command bounded (it cannot be cancelled): a Redis that pauses mid-wait costs CommandTimeout, then the
        // TimeoutException tells the provider to call STS itself.
        await EnsureSubscribedAsync().WaitAsync(_options.CommandTimeout, time, cancellationToken).ConfigureAwait(false);
        var started = time.GetTimestamp();
        while (true)
        {
            // Registered before the lease is checked, so a release between the check and the wait is not missed.
            var released = _released.GetOrAdd(key, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            if (!await Database.KeyExistsAsync(LeaseKey(key)).WaitAsync(_options.CommandTimeout, time, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }

            var left = timeout - time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            try
            {
                await released.Task.WaitAsync(left < _options.PollInterval ? left : _options.PollInterval, time, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (TimeoutException)
            {
                // No message within the poll interval: look at the lease itself (a lost message, an expired lease).
            }
        }
    }

    private RedisKey LeaseKey(string key) => _options.KeyPrefix + key;

    /// <summary>
    /// Whether the server refused the script as a command it will not run at all (not a failure of this release):
    /// <c>NOPERM</c> from an ACL, or <c>ERR unknown command</c> where <c>EVAL</c>/<c>EVALSHA</c> is renamed or disabled.
    /// </summary>
    private static bool IsScriptingDenied(RedisServerException ex) =>
        ex.Message.StartsWith("NOPERM", StringComparison.Ordinal)
        || ex.Message.Contains("unknown command", StringComparison.OrdinalIgnoreCase);

    private async Task EnsureSubscribedAsync()
    {
        if (_subscribed)
        {
            return;
        }

        await _subscribeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!_subscribed)
            {
                // StackExchange.Redis subscribes again by itself after a reconnect.
                await _redis.GetSubscriber().SubscribeAsync(_channel, (_, message) =>
                {
                    if (message.HasValue && _released.TryRemove(message.ToString(), out var waiters))
                    {
                        waiters.TrySetResult();
                    }
                }).ConfigureAwait(false);
                _subscribed = true;
            }
        }
        finally
        {
            _subscribeGate.Release();
        }
    }
}
