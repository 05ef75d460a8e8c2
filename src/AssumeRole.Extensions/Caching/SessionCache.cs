using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Refresh;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AssumeRole.Extensions.Caching;

/// <summary>
/// The process-wide session cache: providers (and DI clients) that would make the identical AssumeRole call from the
/// same source principal get the same <see cref="RefreshingSession"/>, hence one STS call and one refresh.
/// </summary>
/// <remarks>
/// Leased sessions (held by a live provider or a dependent hop) stay and refresh themselves. Unleased ones stay for
/// reuse until they have been idle for <see cref="IdleTimeout"/> or have expired, and the least recently used go first
/// when the cache holds more than <see cref="MaxSessions"/>. Eviction disposes the session, which disarms its proactive refresh on <see cref="Scheduler"/>.
/// One cache per <see cref="TimeProvider"/>, so that tests on a fake clock never share sessions with real time.
/// </remarks>
internal sealed class SessionCache : IDisposable
{
    private static readonly ConditionalWeakTable<TimeProvider, SessionCache> s_byTimeProvider = new();
    private readonly ConcurrentDictionary<string, RefreshingSession> _sessions = new(StringComparer.Ordinal);
    private readonly object _sweepGate = new();
    private ITimer? _sweepTimer;
    private bool _disposed;
    private long _decoratedContexts;
    private ILogger _logger;

    public SessionCache(TimeProvider timeProvider, ILogger? logger = null)
    {
        Clock = new EngineClock(timeProvider);
        Scheduler = new RefreshScheduler(Clock);
        StsClock = new StsClock(Clock);
        Clock.Monitor.Subscribe(this);
        _logger = GuardedLogger.Wrap(logger ?? NullLogger.Instance);
    }

    /// <summary>The cache of every provider on the system clock.</summary>
    public static SessionCache Shared { get; } = new(TimeProvider.System);

    public static SessionCache For(TimeProvider timeProvider) =>
        ReferenceEquals(timeProvider, TimeProvider.System) ? Shared : s_byTimeProvider.GetValue(timeProvider, static tp => new SessionCache(tp));

    public EngineClock Clock { get; }

    /// <summary>The one proactive refresh timer shared by this cache's sessions.</summary>
    public RefreshScheduler Scheduler { get; }

    /// <summary>STS's clock as this cache's sessions know it (second-level cache entries are laid on it).</summary>
    public StsClock StsClock { get; }

    /// <summary>The cache's logger, guarded so that it never throws (see <see cref="GuardedLogger"/>).</summary>
    public ILogger Logger
    {
        get => _logger;
        set => _logger = GuardedLogger.Wrap(value);
    }

    public int MaxSessions { get; set; } = AssumeRoleDefaults.MaxCachedSessions;

    public TimeSpan IdleTimeout { get; set; } = AssumeRoleDefaults.SessionIdleTimeout;

    public int Count => _sessions.Count;

    /// <summary>Returns the session for <paramref name="key"/> with a lease taken for the caller, creating it if needed.</summary>
    public RefreshingSession Acquire(string key, Func<RefreshingSession> create)
    {
        while (true)
        {
            if (_sessions.TryGetValue(key, out var existing))
            {
                if (existing.TryAddLease())
                {
                    existing.Telemetry.CacheLookup(Logger, TelemetryNames.MemoryLevel, hit: true, existing.RoleArn);
                    return existing;
                }

                // Evicted between lookup and lease: drop the stale entry and look again.
                _sessions.TryRemove(new KeyValuePair<string, RefreshingSession>(key, existing));
                continue;
            }

            var created = create();
            created.TryAddLease();
            if (_sessions.TryAdd(key, created))
            {
                created.Telemetry.CacheLookup(Logger, TelemetryNames.MemoryLevel, hit: false, created.RoleArn);
                if (_sessions.Count > MaxSessions)
                {
                    Sweep();
                }

                return created;
            }

            // Another thread created it first: use theirs.
            created.Dispose();
        }
    }

    /// <summary>A number no other decorated context of this cache has had (see <c>AssumeRoleContext.SessionKeyMarker</c>).</summary>
    public long NextDecoratedContextId() => Interlocked.Increment(ref _decoratedContexts);

    public bool TryGet(string key, out RefreshingSession? session) => _sessions.TryGetValue(key, out session);

    /// <summary>A snapshot of every cached session (tests use it to wait for the refreshes of a whole chain).</summary>
    public IReadOnlyList<RefreshingSession> Snapshot() => [.. _sessions.Values];

    /// <summary>Drops a lease; an unleased session becomes eligible for idle eviction.</summary>
    public void Release(RefreshingSession session)
    {
        if (session.ReleaseLease() == 0)
        {
            EnsureSweepTimer();
        }
    }

    /// <summary>Evicts unleased sessions that are idle or expired, then the least recently used beyond the size limit.</summary>
    public int Sweep()
    {
        var now = Clock.NowMs;
        var idleMs = (long)IdleTimeout.TotalMilliseconds;
        var evicted = 0;
        List<RefreshingSession>? unleased = null;
        foreach (var (key, session) in _sessions)
        {
            if (session.Leases != 0)
            {
                continue;
            }

            var expired = session.State is { } s && now >= s.ExpiresAtMs;
            if (expired || now - session.LastUsedMs >= idleMs)
            {
                evicted += Evict(key, session, expired ? "expired" : "idle") ? 1 : 0;
            }
            else
            {
                (unleased ??= []).Add(session);
            }
        }

        var excess = _sessions.Count - MaxSessions;
        if (excess > 0 && unleased is not null)
        {
            foreach (var session in unleased.OrderBy(s => s.LastUsedMs).Take(excess))
            {
                evicted += Evict(session.Key, session, "size limit") ? 1 : 0;
            }
        }

        return evicted;
    }

    /// <summary>
    /// The engine time jumped forward by <paramref name="gapMs"/> (a suspend): every session's credentials are checked
    /// again on their next use, and refreshes that fell due meanwhile start now.
    /// </summary>
    public void OnClockJumped(long gapMs, string reference)
    {
        Log.ClockJumped(Logger, gapMs / 1000.0, reference);
        foreach (var (_, session) in _sessions)
        {
            session.OnClockJumped();
        }

        Scheduler.Poke();
    }

    /// <summary>
    /// A wall step of <paramref name="byMs"/> counted as missed time was undone (see <see cref="SuspendMonitor"/>): sessions
    /// whose credentials were held across it (built at an offset up to <paramref name="offsetBeforeMs"/>) get it back.
    /// </summary>
    public void OnClockStepUndone(long byMs, long offsetBeforeMs)
    {
        Log.ClockStepUndone(Logger, byMs / 1000.0);
        foreach (var (_, session) in _sessions)
        {
            session.OnClockStepUndone(byMs, offsetBeforeMs);
        }

        Scheduler.Poke();
    }

    public void Dispose()
    {
        Clock.Monitor.Unsubscribe(this);
        lock (_sweepGate)
        {
            // Disposing the sessions below releases the leases a chain's hops hold on their sources: those releases
            // must not arm a new sweep timer (it would stay armed for ever, rooting the disposed cache).
            _disposed = true;
            _sweepTimer?.Dispose();
            _sweepTimer = null;
        }

        Scheduler.Dispose();
        foreach (var (_, session) in _sessions)
        {
            session.Dispose();
        }

        _sessions.Clear();
    }

    private bool Evict(string key, RefreshingSession session, string reason)
    {
        if (!session.TryEvict())
        {
            return false;
        }

        _sessions.TryRemove(new KeyValuePair<string, RefreshingSession>(key, session));
        Log.SessionEvicted(Logger, session.RoleArn, reason);
        session.Dispose();
        return true;
    }

    private void EnsureSweepTimer()
    {
        lock (_sweepGate)
        {
            if (_sweepTimer is not null || _disposed)
            {
                return;
            }

            var period = IdleTimeout < TimeSpan.FromMinutes(1) ? IdleTimeout : TimeSpan.FromMinutes(1);
            try
            {
                _sweepTimer = Clock.TimeProvider.CreateTimer(static s => ((SessionCache)s!).OnSweepTimer(), this, period, period);
            }
            catch (Exception)
            {
                // A TimeProvider that cannot make a timer must not make Dispose (a lease's release) throw: idle sessions
                // are then swept at the next release or acquisition that arms the timer successfully.
            }
        }
    }

    private void OnSweepTimer()
    {
        try
        {
            Sweep();
        }
        catch (Exception)
        {
            // A timer callback must not throw (it would end the process); the next tick sweeps again.
        }

        // Checked under the lock: a Release that empties a lease between an unlocked check and the disposal would
        // find the timer still set, skip creating one, and be left without a sweep.
        lock (_sweepGate)
        {
            if (_sessions.IsEmpty)
            {
                _sweepTimer?.Dispose();
                _sweepTimer = null;
            }
        }
    }
}
