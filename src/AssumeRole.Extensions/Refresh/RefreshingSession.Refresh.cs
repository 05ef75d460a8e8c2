using System.Diagnostics;
using System.Runtime.ExceptionServices;
using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Sts;

namespace AssumeRole.Extensions.Refresh;

/// <content>The shared refresh, the state it publishes and the proactive timer.</content>
internal sealed partial class RefreshingSession
{
    // When this session's proactive refresh is due on the cache's scheduler (RefreshScheduler.NotScheduled when
    // disarmed). The scheduler's queue may hold older entries for this session; only the one matching this is live.
    private long _dueMs;

    /// <summary>Starts a background refresh when one is due, none runs and no backoff holds it back. Never waits, never throws.</summary>
    private void TryStartBackgroundRefresh(long now, RefreshTrigger trigger)
    {
        // Cheap unlocked pre-check: in the advisory window every call comes here, and all but one must leave at once.
        if (Volatile.Read(ref _inflight) is not null || now < Volatile.Read(ref _nextAttemptAtMs))
        {
            return;
        }

        RefreshRun? created;
        lock (_gate)
        {
            if (_disposed || _inflight is not null || now < _nextAttemptAtMs)
            {
                return;
            }

            // A refresh may have ended and published since the caller's unlocked checks (the proactive timer and
            // advisory callers race the publication): starting another would be a second STS call for credentials just
            // fetched. A refresh is due when there is no state, when the state is past its refresh point, or when the
            // last attempt failed (a backoff retry, also after a forced refresh failed while the state was fresh).
            if (_failures == 0 && _state is { } current && now < current.RefreshAtMs)
            {
                // Not due: the refresh that published armed the timer for its refresh point. Should nothing be armed for
                // a leased session (the timer that brought us here has disarmed itself), arm it, or no proactive
                // refresh would ever run again.
                if (_leases > 0 && _dueMs == RefreshScheduler.NotScheduled)
                {
                    ScheduleTimerLocked(current.RefreshAtMs, "refresh point");
                }

                return;
            }

            _ = JoinOrCreateRefreshLocked(trigger, out created);
        }

        Launch(created, RefreshLaunch.Pool);
    }

    /// <summary>
    /// Returns the refresh in flight, or publishes a new one as in flight and hands it out in
    /// <paramref name="created"/>: the caller must pass it to <see cref="Launch"/> once it has left the lock (or the
    /// waiters would wait for ever). Nothing here can throw between the publication and that hand-over.
    /// Caller holds <see cref="_gate"/>.
    /// </summary>
    private Task<SessionState> JoinOrCreateRefreshLocked(RefreshTrigger trigger, out RefreshRun? created)
    {
        if (_inflight is { } running)
        {
            created = null;
            return running.AsyncState is RefreshRun run ? run.JoinLocked() : running;
        }

        created = new RefreshRun(trigger, _scheduler.InlineExecution);
        _inflight = created.Completion.Task;
        _refreshCts = created.Cancellation;
        return created.Completion.Task;
    }

    /// <summary>
    /// Runs a refresh that <see cref="JoinOrCreateRefreshLocked"/> created (nothing when <paramref name="refresh"/> is
    /// <see langword="null"/>: the caller joined one). Never throws.
    /// </summary>
    /// <remarks>
    /// Where it runs depends on who waits for it. Nobody waits for a background refresh: it runs on the thread pool
    /// with asynchronous STS calls. Callers do wait for a cold or mandatory one, and if any of them is a sync caller on
    /// a pool thread, a refresh that needs a pool thread to continue can wait behind those very callers while the pool
    /// grows one thread at a time (64 sync callers with 500 ms of STS latency took 14 s). So such a refresh never needs
    /// the pool: it makes blocking STS calls (<see cref="SynchronousFetch"/>) on the waiting sync caller's own thread
    /// (<see cref="RefreshLaunch.Inline"/>), or on a thread of its own when an async caller started it
    /// (<see cref="RefreshLaunch.OwnThread"/>; one short-lived thread per cold or mandatory refresh, never a blocked
    /// pool thread). Any step that does go asynchronous (a retry delay, an MFA prompt, a rate-gate queue, a
    /// second-level cache) continues on the pool as usual.
    /// </remarks>
    private void Launch(RefreshRun? refresh, RefreshLaunch launch)
    {
        if (refresh is null)
        {
            return;
        }

        try
        {
            if (_scheduler.InlineExecution)
            {
                // A deterministic simulation: everything on the driving thread (see RefreshScheduler.InlineExecution).
                launch = launch == RefreshLaunch.Pool ? RefreshLaunch.Pool : RefreshLaunch.Inline;
                if (launch == RefreshLaunch.Pool)
                {
                    _ = RunRefreshAsync(refresh);
                    return;
                }
            }

            switch (launch)
            {
                case RefreshLaunch.Inline:
                    RunBlocking(refresh);
                    break;
                case RefreshLaunch.OwnThread:
                    new Thread(static s => ((RefreshRun)s!).Owner!.RunBlocking((RefreshRun)s!))
                    {
                        IsBackground = true,
                        Name = "AssumeRole refresh",
                    }.Start(refresh.WithOwner(this));
                    break;
                default:
                    // Off the caller's thread: the SDK does synchronous work (signing, credential resolution) before
                    // its first await, and a caller in the advisory window must not pay for it.
                    _ = Task.Run(() => RunRefreshAsync(refresh));
                    break;
            }
        }
        catch (Exception ex)
        {
            // Starting it failed (out of memory, no thread): the refresh was published as in flight, so it must end.
            Finish(refresh, null, ex, activity: null);
        }
    }

    /// <summary>
    /// Runs the refresh on this thread with blocking STS calls, until its first asynchronous step (none, when STS
    /// answers); the scope ends when it returns, so nothing that continues on the pool blocks.
    /// </summary>
    private void RunBlocking(RefreshRun refresh)
    {
        // The caller's SynchronizationContext (a UI thread, a legacy ASP.NET request) is not the refresh's: a user
        // callback (MFA prompt, distributed cache, source credentials) that awaits without ConfigureAwait(false) would
        // post its continuation to this very thread, which is blocked waiting for the refresh — a deadlock. Without it,
        // such a continuation runs on the pool, as it did before refreshes ran inline.
        var callersContext = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            using (SynchronousFetch.Enter(_settings.RequestTimeout))
            {
                _ = RunRefreshAsync(refresh);
            }
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(callersContext);
        }
    }

    /// <summary>
    /// The one owner of a refresh from its start to its completion: whatever throws on the way (the fetcher, the clock,
    /// a logger, an activity listener, a meter listener), <see cref="Finish"/> completes the shared task, clears it
    /// from <see cref="_inflight"/> and lets go of its cancellation source, so that waiters always get an answer and
    /// the session can refresh again.
    /// </summary>
    private async Task RunRefreshAsync(RefreshRun refresh)
    {
        SessionState? state = null;
        Exception? failure = null;
        Activity? activity = null;
        try
        {
            Log.RefreshStarted(_logger, RoleArn, TriggerName(refresh.Trigger));
            activity = AssumeRoleTelemetry.StartRefresh(RoleArn, Hop, TriggerName(refresh.Trigger));
            var startedMs = Clock.NowMs;
            var fetched = await _fetcher.FetchAsync(refresh.Cancellation.Token).ConfigureAwait(false);
            state = BuildState(fetched, startedMs);
            refresh.Fetched = fetched;
            refresh.StartedMs = startedMs;
        }
        catch (Exception ex)
        {
            failure = ex;
            state = null;
        }

        Finish(refresh, state, failure, activity);
    }

    /// <summary>
    /// Publishes the outcome of a refresh and completes its task. Never throws: a failure while publishing (a clock or
    /// a logger that throws) turns into the refresh's failure, and the task is completed in the <c>finally</c>.
    /// </summary>
    private void Finish(RefreshRun refresh, SessionState? state, Exception? failure, Activity? activity)
    {
        var trigger = TriggerName(refresh.Trigger);
        var published = false;
        Exception? forWaiters = null;
        List<TaskCompletionSource<SessionState>>? joiners = null;
        try
        {
            if (failure is null && state is not null)
            {
                int previousFailures;
                lock (_gate)
                {
                    PublishLocked(state);
                    published = true;
                    _inflight = null;
                    previousFailures = _failures;
                    _failures = 0;
                    _nextAttemptAtMs = 0;
                    _lastError = null;
                    if (_leases > 0)
                    {
                        ScheduleTimerLocked(state.RefreshAtMs, "refresh point");
                    }
                }

                Telemetry.RefreshSucceeded(activity, _logger, RoleArn, trigger, previousFailures, refresh.Fetched?.RequestId);
                Log.RefreshSucceeded(_logger, RoleArn, trigger);
                Log.SessionAssumed(
                    _logger,
                    RoleArn,
                    Hop,
                    refresh.Fetched?.AssumedRoleArn,
                    _fetcher.Endpoint,
                    (state.ExpiresAtMs - refresh.StartedMs) / 1000.0,
                    (state.RefreshAtMs - Clock.NowMs) / 1000.0,
                    refresh.Fetched?.RequestId);
                return;
            }

            // Classified before anything that could throw, so that waiters get this error whatever happens next.
            var classified = Classify(failure ?? new InvalidOperationException("The refresh ended without credentials."));
            forWaiters = classified;
            var now = Clock.NowMs;
            long retryAt;
            bool hasValid;
            int attempt;
            bool disposed;
            lock (_gate)
            {
                _inflight = null;
                disposed = _disposed;
                if (disposed)
                {
                    forWaiters = new ObjectDisposedException(nameof(AssumeRoleCredentials), classified);
                }

                attempt = ++_failures;
                var current = _state;
                hasValid = current is not null && now < current.MandatoryAtMs;
                retryAt = now + NextBackoffMs(attempt, current, now);
                _nextAttemptAtMs = retryAt;
                var memory = classified.IsTransient ? AssumeRoleDefaults.TransientErrorMemory : AssumeRoleDefaults.PermanentErrorMemory;
                _lastError = ExceptionDispatchInfo.Capture(classified);
                _lastErrorUntilMs = now + (long)memory.TotalMilliseconds;
                if (_leases > 0 && !_disposed)
                {
                    ScheduleTimerLocked(retryAt, "backoff");
                }
            }

            Telemetry.RefreshFailed(activity, _logger, RoleArn, trigger, classified, attempt, retryAt - now, disposed);
            if (!disposed)
            {
                Log.RefreshFailed(_logger, RoleArn, trigger, attempt, classified.ErrorCode, classified.RequestId, (retryAt - now) / 1000.0, hasValid, classified);
            }
        }
        catch (Exception ex)
        {
            // Publishing the outcome failed (a clock that throws): new credentials already published still go to the
            // waiters; otherwise they get the refresh's own error, or this one.
            if (!published)
            {
                forWaiters ??= Classify(failure ?? ex);
            }
        }
        finally
        {
            lock (_gate)
            {
                if (ReferenceEquals(_inflight, refresh.Completion.Task))
                {
                    _inflight = null;
                }

                // No one can join any more: _inflight no longer names this refresh.
                joiners = refresh.TakeJoinersLocked();

                // Dispose may have taken the source already (to cancel it outside the lock): then it is no longer ours
                // to clear, and Dispose ignores the ObjectDisposedException our disposal can cause.
                if (ReferenceEquals(_refreshCts, refresh.Cancellation))
                {
                    _refreshCts = null;
                }
            }

            refresh.Cancellation.Dispose();
            AssumeRoleTelemetry.Stop(activity);
            if (published)
            {
                refresh.Completion.TrySetResult(state!);
                foreach (var joiner in joiners ?? [])
                {
                    joiner.TrySetResult(state!);
                }
            }
            else
            {
                var error = forWaiters ?? Classify(failure ?? new InvalidOperationException("The refresh ended without credentials."));
                refresh.Completion.TrySetException(error);
                foreach (var joiner in joiners ?? [])
                {
                    joiner.TrySetException(error);
                }
            }
        }
    }

    /// <summary>
    /// What waiters get for a failed refresh: our typed exception, naming the role and an error code, whatever threw.
    /// STS failures already are; anything else (a user callback, a logger, the clock) is wrapped as a transient
    /// <c>UnexpectedError</c> whose message names only the exception's type (its own message may quote anything),
    /// with the original as the inner exception. Cancellation by disposal stays as it is.
    /// </summary>
    private AssumeRoleException Classify(Exception failure) => failure switch
    {
        AssumeRoleException typed => typed,
        _ => new AssumeRoleException(
            RoleArn, Hop, HopCount, "UnexpectedError", null, null, isTransient: true,
            $"The refresh failed with {failure.GetType().FullName}; see the inner exception.", failure),
    };

    /// <summary>
    /// Places the deadlines. The lifetime L is measured on the server's clock (response Date to Expiration), then laid
    /// on our monotonic clock from the moment the request started, which errs early by the request's own latency.
    /// </summary>
    private SessionState BuildState(StsCredentials fetched, long startedMs)
    {
        var serverNow = fetched.ServerDate?.UtcDateTime ?? Clock.TimeProvider.GetUtcNow().UtcDateTime;
        var lifetime = fetched.ExpirationUtc - serverNow;
        if (lifetime <= TimeSpan.Zero)
        {
            throw new AssumeRoleException(
                RoleArn, Hop, HopCount, "ExpiredCredentials", fetched.RequestId, null, isTransient: true,
                $"STS returned credentials that expire at {fetched.ExpirationUtc:O}, not after its own clock ({serverNow:O}).", null);
        }

        // Issue 11: a copy read back from a second-level cache was issued before now. Its ServerDate is STS's current
        // time as the reader estimates it (so `lifetime` above is the time it has left) and IssuedAt its issue time:
        // its windows are those of its whole lifetime, as in the process that fetched it. The cache only hands out
        // copies that are still before that refresh point (CachedSessionFetcher.IsFreshEnough).
        var fullLifetime = fetched.IssuedAt is { } issuedAt ? fetched.ExpirationUtc - issuedAt.UtcDateTime : lifetime;
        var (advisory, mandatory) = _settings.WindowsFor(fullLifetime, out var shrunk, out var tooShort);
        if (tooShort)
        {
            // A configured mandatory window is a hard floor: credentials that are inside it from the moment they are
            // issued are never handed out. Validation rejects such a configuration at start; this happens only when
            // STS issues a shorter session than asked for (a role's MaxSessionDuration, the chaining cap).
            throw new AssumeRoleException(
                RoleArn, Hop, HopCount, "SessionShorterThanMandatoryWindow", fetched.RequestId, null, isTransient: false,
                $"STS issued a session of {fullLifetime.TotalSeconds:F0} s, no longer than MandatoryRefreshWindow ({mandatory.TotalSeconds:F0} s): "
                + "its credentials could never be handed out. Lower MandatoryRefreshWindow or raise DurationSeconds (and the role's MaxSessionDuration).",
                null);
        }

        if (shrunk)
        {
            Log.WindowsShrunk(_logger, RoleArn, fullLifetime.TotalSeconds, advisory.TotalSeconds, mandatory.TotalSeconds);
        }

        // Jitter moves the refresh point earlier by up to 20 % of A, but never by more than half the time between issue
        // and the un-jittered refresh point: with A close to L it would otherwise land before the fetch, and every
        // refresh would re-arm the timer at zero delay and call STS again at once.
        var jitterRangeMs = Math.Max(0, Math.Min(AssumeRoleDefaults.MaxJitterShare * advisory.TotalMilliseconds, (lifetime - advisory).TotalMilliseconds / 2));
        var jitter = _settings.Random() * jitterRangeMs;
        var expiresAt = startedMs + (long)lifetime.TotalMilliseconds;
        var refreshAt = expiresAt - (long)(advisory.TotalMilliseconds + jitter);
        var mandatoryAt = expiresAt - (long)mandatory.TotalMilliseconds;
        var offset = Clock.OffsetMs;
        var localExpiry = Clock.TimeProvider.GetUtcNow().UtcDateTime + TimeSpan.FromMilliseconds(expiresAt - (Clock.RawMs + offset));
        return new SessionState(fetched.Credentials, refreshAt, mandatoryAt, expiresAt, localExpiry, fetched.AssumedRoleArn, offset);
    }

    /// <summary>Publishes new credentials with one write. Caller holds <see cref="_gate"/>.</summary>
    private void PublishLocked(SessionState state)
    {
        Volatile.Write(ref _state, state);

        // A suspend detected after the deadlines were computed moved the engine time, which the state's warm-path limit
        // does not know. The monitor adds to the offset (a full fence) before it ends the warm path of the states it
        // finds; this full fence orders our write before our read: either it finds this state, or we see its offset.
        Interlocked.MemoryBarrier();
        if (Clock.OffsetMs != state.BuiltAtOffsetMs)
        {
            state.EndWarmPath();
        }
    }

    /// <summary>
    /// Arms the proactive timer. Never throws: it runs while a lease is being taken or a refresh is being published,
    /// and a timer that cannot be armed (a <see cref="TimeProvider"/> that throws) only costs the proactive refresh —
    /// callers still refresh the session on demand. Caller holds <see cref="_gate"/>.
    /// </summary>
    private void ScheduleTimerLocked(long dueMs, string reason)
    {
        if (_disposed)
        {
            return;
        }

        var replaced = _dueMs != RefreshScheduler.NotScheduled;
        Volatile.Write(ref _dueMs, dueMs);
        try
        {
            _scheduler.Schedule(this, dueMs, replaced);
            Log.RefreshScheduled(_logger, RoleArn, Math.Max(0, dueMs - Clock.NowMs) / 1000.0, reason);
        }
        catch (Exception)
        {
            // Left unarmed (any queue entry made is now stale); see the summary.
            if (Volatile.Read(ref _dueMs) == dueMs)
            {
                Volatile.Write(ref _dueMs, RefreshScheduler.NotScheduled);
            }
        }
    }

    /// <summary>Disarms the proactive timer; the scheduler drops the entry lazily. Caller holds <see cref="_gate"/>.</summary>
    private void UnscheduleLocked()
    {
        if (_dueMs != RefreshScheduler.NotScheduled)
        {
            Volatile.Write(ref _dueMs, RefreshScheduler.NotScheduled);
            _scheduler.Unscheduled();
        }
    }

    /// <summary>Whether a queue entry for <paramref name="dueMs"/> is this session's live one (read without the lock).</summary>
    internal bool IsScheduledAt(long dueMs) => Volatile.Read(ref _dueMs) == dueMs && !Volatile.Read(ref _disposed);

    /// <summary>Called by the scheduler once <paramref name="dueMs"/> has passed; stale entries do nothing.</summary>
    internal void OnScheduled(long dueMs)
    {
        // Only the live entry fires, and only once: a re-arm or disarm since it was queued changed _dueMs.
        if (Interlocked.CompareExchange(ref _dueMs, RefreshScheduler.NotScheduled, dueMs) != dueMs)
        {
            return;
        }

        OnTimer();
    }

    private void OnTimer()
    {
        // An unleased session is idle: nobody will ask for it, so let the cache evict it instead of refreshing it.
        if (Volatile.Read(ref _leases) <= 0 || Volatile.Read(ref _disposed))
        {
            return;
        }

        TryStartBackgroundRefresh(Clock.NowMs, RefreshTrigger.Proactive);
    }

    /// <summary>One refresh from its publication as in flight to its completion.</summary>
    private sealed class RefreshRun
    {
        private readonly bool _inlineExecution;

        // Inline execution only: a task per caller that joined the refresh after it started (see JoinLocked).
        private List<TaskCompletionSource<SessionState>>? _joiners;

        public RefreshRun(RefreshTrigger trigger, bool inlineExecution)
        {
            Trigger = trigger;
            _inlineExecution = inlineExecution;

            // Waiters continue on the pool, never on the thread that completes the refresh (a timer, a caller's
            // thread). The run is the task's state, so that a caller who finds the task in flight can join the run.
            Completion = Observed(new TaskCompletionSource<SessionState>(
                this, inlineExecution ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously));
        }

        public RefreshTrigger Trigger { get; }

        public TaskCompletionSource<SessionState> Completion { get; }

        /// <summary>Created per refresh and kept only while it runs; Dispose of the session cancels it.</summary>
        public CancellationTokenSource Cancellation { get; } = new();

        public StsCredentials? Fetched { get; set; }

        public long StartedMs { get; set; }

        /// <summary>The session, for a refresh started on a thread of its own (a static thread start needs it).</summary>
        public RefreshingSession? Owner { get; private set; }

        public RefreshRun WithOwner(RefreshingSession owner)
        {
            Owner = owner;
            return this;
        }

        /// <summary>
        /// The task a caller joining this refresh waits on. In production, the shared task (its continuations run
        /// asynchronously anyway). Under inline execution, a task of the caller's own, completed right after the
        /// shared one: .NET runs only the first await continuation of a completing task inline and queues every
        /// further one to the thread pool, so a second caller awaiting the shared task would continue off the driving
        /// thread, at a real-time moment the simulation cannot replay. Caller holds the session's gate.
        /// </summary>
        public Task<SessionState> JoinLocked()
        {
            if (!_inlineExecution)
            {
                return Completion.Task;
            }

            var joiner = Observed(new TaskCompletionSource<SessionState>());
            (_joiners ??= []).Add(joiner);
            return joiner.Task;
        }

        /// <summary>The joiners to complete once the run has left <c>_inflight</c>. Caller holds the session's gate.</summary>
        public List<TaskCompletionSource<SessionState>>? TakeJoinersLocked()
        {
            var joiners = _joiners;
            _joiners = null;
            return joiners;
        }

        // A background refresh may fail with nobody waiting (the error is kept in _lastError): observe the fault so
        // that it never surfaces as TaskScheduler.UnobservedTaskException.
        private static TaskCompletionSource<SessionState> Observed(TaskCompletionSource<SessionState> completion)
        {
            _ = completion.Task.ContinueWith(
                static t => _ = t.Exception,
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            return completion;
        }
    }

    /// <summary>Where a refresh runs (see <see cref="Launch"/>).</summary>
    private enum RefreshLaunch
    {
        /// <summary>On the thread pool, with asynchronous STS calls: nobody waits for it.</summary>
        Pool,

        /// <summary>On the waiting sync caller's thread, with blocking STS calls.</summary>
        Inline,

        /// <summary>On a short-lived thread of its own, with blocking STS calls: async callers wait, sync ones may join.</summary>
        OwnThread,
    }

    private static string TriggerName(RefreshTrigger trigger) => trigger switch
    {
        RefreshTrigger.Cold => "cold",
        RefreshTrigger.Advisory => "advisory",
        RefreshTrigger.Proactive => "proactive",
        RefreshTrigger.Mandatory => "mandatory",
        _ => "forced",
    };
}
