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

    /// <summary>Starts a background refresh when none runs and no backoff holds it back. Never waits.</summary>
    private void TryStartBackgroundRefresh(long now, RefreshTrigger trigger)
    {
        // Cheap unlocked pre-check: in the advisory window every call comes here, and all but one must leave at once.
        if (Volatile.Read(ref _inflight) is not null || now < Volatile.Read(ref _nextAttemptAtMs))
        {
            return;
        }

        lock (_gate)
        {
            if (_disposed || _inflight is not null || now < _nextAttemptAtMs)
            {
                return;
            }

            _ = StartRefreshLocked(trigger);
        }
    }

    /// <summary>Returns the refresh in flight, or starts one. Caller holds <see cref="_gate"/>.</summary>
    private Task<SessionState> StartRefreshLocked(RefreshTrigger trigger)
    {
        if (_inflight is { } running)
        {
            return running;
        }

        var completion = new TaskCompletionSource<SessionState>(TaskCreationOptions.RunContinuationsAsynchronously);
        _inflight = completion.Task;

        // A background refresh may fail with nobody waiting (the error is kept in _lastError): observe the fault so it
        // never surfaces as TaskScheduler.UnobservedTaskException.
        _ = completion.Task.ContinueWith(
            static t => _ = t.Exception,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        Log.RefreshStarted(_logger, RoleArn, TriggerName(trigger));

        // Off the caller's thread: the SDK does synchronous work (signing, credential resolution) before its first
        // await, and a caller in the advisory window must not pay for it.
        var cts = new CancellationTokenSource();
        _refreshCts = cts;
        _ = Task.Run(() => RunRefreshAsync(completion, trigger, cts));
        return completion.Task;
    }

    /// <summary>Runs one refresh with its own cancellation source, and lets go of the source when it ends.</summary>
    private async Task RunRefreshAsync(TaskCompletionSource<SessionState> completion, RefreshTrigger trigger, CancellationTokenSource cts)
    {
        try
        {
            await RefreshCoreAsync(completion, trigger, cts.Token).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                // Dispose may have taken the source already (to cancel it outside the lock): then it is no longer ours
                // to clear, and Dispose ignores the ObjectDisposedException our disposal can cause.
                if (ReferenceEquals(_refreshCts, cts))
                {
                    _refreshCts = null;
                }
            }

            cts.Dispose();
        }
    }

    private async Task RefreshCoreAsync(TaskCompletionSource<SessionState> completion, RefreshTrigger trigger, CancellationToken cancellationToken)
    {
        var startedMs = Clock.NowMs;
        using var activity = AssumeRoleTelemetry.StartRefresh(RoleArn, Hop, TriggerName(trigger));
        try
        {
            var fetched = await _fetcher.FetchAsync(cancellationToken).ConfigureAwait(false);
            var state = BuildState(fetched, startedMs);
            Telemetry.RefreshSucceeded(activity, _logger, RoleArn, TriggerName(trigger), Volatile.Read(ref _failures), fetched.RequestId);
            lock (_gate)
            {
                Volatile.Write(ref _state, state);
                _inflight = null;
                _failures = 0;
                _nextAttemptAtMs = 0;
                _lastError = null;
                if (_leases > 0)
                {
                    ScheduleTimerLocked(state.RefreshAtMs, "refresh point");
                }
            }

            Log.RefreshSucceeded(_logger, RoleArn, TriggerName(trigger));
            Log.SessionAssumed(
                _logger,
                RoleArn,
                Hop,
                fetched.AssumedRoleArn,
                _fetcher.Endpoint,
                (state.ExpiresAtMs - startedMs) / 1000.0,
                (state.RefreshAtMs - Clock.NowMs) / 1000.0,
                fetched.RequestId);
            completion.TrySetResult(state);
        }
        catch (Exception ex)
        {
            // Waiters share this task: whatever happens below (a logging provider that throws, say), it must complete,
            // or they would wait forever.
            var forWaiters = ex;
            try
            {
                var now = Clock.NowMs;
                long retryAt;
                bool hasValid;
                int attempt;
                bool disposed;
                lock (_gate)
                {
                    _inflight = null;
                    disposed = _disposed;
                    forWaiters = disposed ? new ObjectDisposedException(nameof(AssumeRoleCredentials), ex) : ex;
                    attempt = ++_failures;
                    var state = _state;
                    hasValid = state is not null && now < state.MandatoryAtMs;
                    retryAt = now + NextBackoffMs(attempt, state, now);
                    _nextAttemptAtMs = retryAt;
                    var memory = ex is AssumeRoleException { IsTransient: false }
                        ? AssumeRoleDefaults.PermanentErrorMemory
                        : AssumeRoleDefaults.TransientErrorMemory;
                    _lastError = ExceptionDispatchInfo.Capture(ex);
                    _lastErrorUntilMs = now + (long)memory.TotalMilliseconds;
                    if (_leases > 0 && !_disposed)
                    {
                        ScheduleTimerLocked(retryAt, "backoff");
                    }
                }

                Telemetry.RefreshFailed(activity, _logger, RoleArn, TriggerName(trigger), ex, attempt, retryAt - now, disposed);
                if (!disposed)
                {
                    var are = ex as AssumeRoleException;
                    Log.RefreshFailed(_logger, RoleArn, TriggerName(trigger), attempt, are?.ErrorCode, are?.RequestId, (retryAt - now) / 1000.0, hasValid, ex);
                }
            }
            finally
            {
                completion.TrySetException(forWaiters);
            }
        }
    }

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
                RoleArn, 1, 1, "ExpiredCredentials", fetched.RequestId, null, isTransient: true,
                $"STS returned credentials that expire at {fetched.ExpirationUtc:O}, not after its own clock ({serverNow:O}).", null);
        }

        // Issue 11: a copy read back from a second-level cache was issued before now. Its ServerDate is STS's current
        // time as the reader estimates it (so `lifetime` above is the time it has left) and IssuedAt its issue time:
        // its windows are those of its whole lifetime, as in the process that fetched it. The cache only hands out
        // copies that are still before that refresh point (CachedSessionFetcher.IsFreshEnough).
        var fullLifetime = fetched.IssuedAt is { } issuedAt ? fetched.ExpirationUtc - issuedAt.UtcDateTime : lifetime;
        var mandatory = _settings.MandatoryWindow;
        var advisory = _settings.AdvisoryWindow ?? AssumeRoleDefaults.AdvisoryWindowFor(fullLifetime);
        if (advisory >= fullLifetime || mandatory >= advisory)
        {
            // A session shorter than the windows (a role's short lifetime, an emulator override): keep the order
            // M < A < L so that a fresh session is always servable and still refreshed before expiry.
            advisory = advisory >= fullLifetime ? fullLifetime / 2 : advisory;
            mandatory = mandatory >= advisory ? advisory / 2 : mandatory;
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
        var localExpiry = Clock.TimeProvider.GetUtcNow().UtcDateTime + TimeSpan.FromMilliseconds(expiresAt - Clock.NowMs);
        return new SessionState(fetched.Credentials, refreshAt, mandatoryAt, expiresAt, localExpiry, fetched.AssumedRoleArn);
    }

    /// <summary>Arms the proactive timer. Caller holds <see cref="_gate"/>.</summary>
    private void ScheduleTimerLocked(long dueMs, string reason)
    {
        if (_disposed)
        {
            return;
        }

        var delay = TimeSpan.FromMilliseconds(Math.Max(0, dueMs - Clock.NowMs));
        var replaced = _dueMs != RefreshScheduler.NotScheduled;
        Volatile.Write(ref _dueMs, dueMs);
        _scheduler.Schedule(this, dueMs, replaced);
        Log.RefreshScheduled(_logger, RoleArn, delay.TotalSeconds, reason);
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

    private static string TriggerName(RefreshTrigger trigger) => trigger switch
    {
        RefreshTrigger.Cold => "cold",
        RefreshTrigger.Advisory => "advisory",
        RefreshTrigger.Proactive => "proactive",
        RefreshTrigger.Mandatory => "mandatory",
        _ => "forced",
    };
}
