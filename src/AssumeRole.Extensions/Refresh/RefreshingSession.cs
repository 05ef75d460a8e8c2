using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Amazon.Runtime;
using AssumeRole.Extensions.Diagnostics;
using Microsoft.Extensions.Logging;

namespace AssumeRole.Extensions.Refresh;

/// <summary>
/// One assumed-role session (one role, one exact AssumeRole request, one source principal) and its refresh engine:
/// lock-free reads before the refresh point, one shared background refresh in the advisory window, callers wait only
/// when nothing usable is cached, jittered proactive timer, backoff after failures, error memory.
/// </summary>
/// <remarks>
/// Shared by every provider with the same session key through <see cref="Caching.SessionCache"/>. Kept alive by
/// leases: a leased session refreshes itself proactively; an unleased one is kept for reuse until the cache evicts it.
/// </remarks>
internal sealed partial class RefreshingSession : IDisposable
{
    private readonly ISessionFetcher _fetcher;
    private readonly SessionSettings _settings;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly RefreshScheduler _scheduler;
    private readonly bool _systemClock;

    // Created per refresh and kept only while the fetch runs: an idle session (most of a large cache) then holds no
    // CancellationTokenSource at all. Dispose cancels the running one.
    private CancellationTokenSource? _refreshCts;

    private SessionState? _state;
    private Task<SessionState>? _inflight;
    private int _leases;
    private long _lastUsedMs;
    private bool _disposed;

    public RefreshingSession(string key, ISessionFetcher fetcher, EngineClock clock, SessionSettings settings, ILogger logger, AssumeRoleTelemetry? telemetry = null, RefreshScheduler? scheduler = null)
    {
        Key = key;
        _fetcher = fetcher;
        Clock = clock;
        _systemClock = clock.IsSystem;

        // A session outside a cache (tests) gets a scheduler of its own; it creates its timer only when first armed.
        _scheduler = scheduler ?? new RefreshScheduler(clock);
        _dueMs = RefreshScheduler.NotScheduled;
        _settings = settings;
        _logger = logger;
        _lastUsedMs = clock.NowMs;
        (Telemetry = telemetry ?? AssumeRoleTelemetry.Default).Track(this);
    }

    public string Key { get; }

    public string RoleArn => _fetcher.RoleArn;

    /// <summary>How this session obtains credentials (a chained hop's cache key derives from its source's).</summary>
    internal ISessionFetcher Fetcher => _fetcher;

    public EngineClock Clock { get; }

    /// <summary>The current state, or <see langword="null"/> before the first successful fetch. Read lock-free.</summary>
    public SessionState? State => Volatile.Read(ref _state);

    public int Leases => Volatile.Read(ref _leases);

    public long LastUsedMs => Volatile.Read(ref _lastUsedMs);

    public bool IsDisposed => Volatile.Read(ref _disposed);

    /// <summary>The refresh in flight, if any (tests await it; the engine never blocks on it).</summary>
    internal Task<SessionState>? PendingRefresh => Volatile.Read(ref _inflight);

    /// <summary>The warm path: lock-free and allocation-free before the refresh point.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ImmutableCredentials GetCredentials()
    {
        var state = Volatile.Read(ref _state);
        if (state is not null && RawNowMs() < state.WarmUntilRawMs)
        {
            return state.Credentials;
        }

        return GetCredentialsSlow();
    }

    /// <summary>The async warm path: returns the state's cached completed task, so it allocates nothing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Task<ImmutableCredentials> GetCredentialsAsync(CancellationToken cancellationToken)
    {
        var state = Volatile.Read(ref _state);
        if (state is not null && RawNowMs() < state.WarmUntilRawMs)
        {
            return state.CredentialsTask;
        }

        return GetCredentialsSlowAsync(cancellationToken);
    }

    /// <summary>
    /// The raw monotonic clock, read without going through <see cref="EngineClock"/> on the warm path: with the system
    /// clock it is exactly <see cref="EngineClock.RawMs"/> (<see cref="Environment.TickCount64"/>), one indirection less.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long RawNowMs() => _systemClock ? Environment.TickCount64 : Clock.RawMs;

    // Kept out of line so that the warm paths above stay small enough to inline into the provider.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private ImmutableCredentials GetCredentialsSlow()
    {
        var now = Clock.NowMs;

        // A sync caller that has to wait runs a refresh it starts on its own thread, with blocking STS calls, so that
        // the refresh needs no pool thread (see Launch). Joining one that runs elsewhere waits for it.
        return ServableState(now)?.Credentials
            ?? WaitForRefreshAsync(now, CancellationToken.None, inline: true).GetAwaiter().GetResult().Credentials;
    }

    // In the advisory window (which lasts while STS is down and the backoff holds) callers still get the state's
    // cached task: no allocation per call.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Task<ImmutableCredentials> GetCredentialsSlowAsync(CancellationToken cancellationToken)
    {
        var now = Clock.NowMs;
        return ServableState(now)?.CredentialsTask ?? AwaitCredentialsAsync(WaitForRefreshAsync(now, cancellationToken));

        static async Task<ImmutableCredentials> AwaitCredentialsAsync(Task<SessionState> refresh) =>
            (await refresh.ConfigureAwait(false)).Credentials;
    }

    /// <summary>
    /// The slow path: called when the state is missing or past its refresh point. Returns at once with the cached
    /// state in the advisory window (making sure one background refresh runs); otherwise waits for the one shared
    /// refresh. <paramref name="cancellationToken"/> ends only this caller's wait, never the shared fetch.
    /// </summary>
    public Task<SessionState> GetStateSlowAsync(CancellationToken cancellationToken)
    {
        var now = Clock.NowMs;
        return ServableState(now) is { } state ? Task.FromResult(state) : WaitForRefreshAsync(now, cancellationToken);
    }

    /// <summary>
    /// The cached state when it may still be handed out (before the mandatory window), making sure one background
    /// refresh runs once it is past its refresh point; otherwise <see langword="null"/>.
    /// </summary>
    private SessionState? ServableState(long now)
    {
        Volatile.Write(ref _lastUsedMs, now);
        var state = State;
        if (state is null || now >= state.MandatoryAtMs)
        {
            return null;
        }

        if (now >= state.RefreshAtMs)
        {
            TryStartBackgroundRefresh(now, RefreshTrigger.Advisory);
        }

        return state;
    }

    /// <summary>Joins (or starts) the shared refresh; answers from error memory while a recent failure is remembered.</summary>
    private Task<SessionState> WaitForRefreshAsync(long now, CancellationToken cancellationToken, bool inline = false)
    {
        Task<SessionState> refresh;
        RefreshRun? created;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            // The caller found nothing usable without the lock, but a refresh may have published since (it ended between
            // that check and this lock): hand out what it published instead of starting another STS call. Without this,
            // a cold caller that lost that race started a second cold fetch for credentials that were already there.
            if (_state is { } published && Clock.NowMs < published.MandatoryAtMs)
            {
                return Task.FromResult(published);
            }

            // Error memory: a failure seconds ago is answered again at once, so that a hot loop of callers cannot
            // hammer STS while it refuses or is down.
            if (_inflight is null && _lastError is { } error && now < _lastErrorUntilMs)
            {
                return Task.FromException<SessionState>(error.SourceException);
            }

            refresh = JoinOrCreateRefreshLocked(_state is null ? RefreshTrigger.Cold : RefreshTrigger.Mandatory, out created);
        }

        Launch(created, inline ? RefreshLaunch.Inline : RefreshLaunch.OwnThread);
        return cancellationToken.CanBeCanceled ? refresh.WaitAsync(cancellationToken) : refresh;
    }

    /// <summary>Fetches new credentials now, whatever the cached state (used when a dependent hop got ExpiredToken).</summary>
    public Task<SessionState> ForceRefreshAsync(CancellationToken cancellationToken)
    {
        Task<SessionState> refresh;
        RefreshRun? created;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            refresh = JoinOrCreateRefreshLocked(RefreshTrigger.Forced, out created);
        }

        Launch(created, RefreshLaunch.Pool);
        return refresh.WaitAsync(cancellationToken);
    }

    /// <summary>Adds a lease; fails when the session was already evicted or disposed.</summary>
    public bool TryAddLease()
    {
        lock (_gate)
        {
            if (_disposed || _leases < 0)
            {
                return false;
            }

            // The clock first: one that throws must not leave a lease counted that nobody holds (never evicted).
            var now = Clock.NowMs;
            _leases++;
            _lastUsedMs = now;
            if (_leases == 1 && _state is { } state)
            {
                // Leased again after an idle spell: resume proactive refreshes.
                ScheduleTimerLocked(Math.Max(state.RefreshAtMs, _nextAttemptAtMs), "lease resumed");
            }

            return true;
        }
    }

    /// <summary>Drops a lease and returns how many remain.</summary>
    public int ReleaseLease()
    {
        lock (_gate)
        {
            if (_leases > 0)
            {
                _leases--;
            }

            if (_leases == 0)
            {
                // Nobody holds the session: stop its proactive timer now. It stays cached for reuse (a new lease
                // re-arms the timer) until the cache evicts it (never while a refresh runs: see TryEvict).
                UnscheduleLocked();
            }

            _lastUsedMs = Clock.NowMs;
            return _leases;
        }
    }

    /// <summary>
    /// Marks an unleased session as evicted so that no provider can lease it any more. Not while a refresh runs: callers
    /// may be waiting for it whose provider has let the session go since they joined (a configuration reload moved it
    /// to another session), and evicting would cancel the refresh and hand those callers an
    /// <see cref="ObjectDisposedException"/> from a provider that is not disposed. A refresh is bounded (request
    /// timeout, retries, MFA prompt bound), so the session is evicted by a sweep after it ends.
    /// </summary>
    public bool TryEvict()
    {
        lock (_gate)
        {
            if (_leases != 0 || _disposed || _inflight is not null)
            {
                return false;
            }

            _leases = -1;
            return true;
        }
    }

    public void Dispose()
    {
        CancellationTokenSource? running;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _leases = -1;
            UnscheduleLocked();
            running = _refreshCts;
            _refreshCts = null;
        }

        Telemetry.Untrack(this);
        try
        {
            // The refresh disposes its own source when it ends, which may happen between our read and this call.
            running?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // That refresh has already finished: nothing left to cancel.
        }

        _fetcher.Dispose();
    }

    /// <summary>
    /// A suspend was detected: the engine time moved forward, so the current credentials may be due or expired by now.
    /// Ends their warm path, so that the next caller checks them against the engine time.
    /// </summary>
    internal void OnClockJumped() => Volatile.Read(ref _state)?.EndWarmPath();

    /// <summary>
    /// A wall step counted as missed time (<see cref="SuspendMonitor"/>) was undone by a step back of its size: credentials
    /// held since before it (built at an offset up to <paramref name="offsetBeforeMs"/>) get their refresh point
    /// <paramref name="byMs"/> later again, never their mandatory point or expiry (<see cref="SessionState.Postponed"/>).
    /// Credentials fetched since are placed on the engine time as it is and stay as they are.
    /// </summary>
    internal void OnClockStepUndone(long byMs, long offsetBeforeMs)
    {
        lock (_gate)
        {
            if (_disposed || _state is not { } state || state.BuiltAtOffsetMs > offsetBeforeMs)
            {
                return;
            }

            var restored = state.Postponed(byMs, Clock.OffsetMs);
            PublishLocked(restored);

            // The proactive timer follows the refresh point unless a refresh runs or a backoff holds the timer (both
            // re-arm it when they end).
            if (_leases > 0 && _inflight is null && _failures == 0)
            {
                ScheduleTimerLocked(restored.RefreshAtMs, "clock step undone");
            }
        }
    }

    public override string ToString() => $"RefreshingSession {{ RoleArn = {RoleArn}, Leases = {Leases} }}";

    private ExceptionDispatchInfo? _lastError;
    private long _lastErrorUntilMs;
}
