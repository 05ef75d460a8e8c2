using AssumeRole.Extensions.Caching;

namespace AssumeRole.Extensions.Refresh;

/// <summary>
/// Notices that the engine's monotonic clock stood still while real time went on — the machine slept, the VM was
/// paused — and moves the engine's time forward by the time lost, so that credentials that expired meanwhile are not
/// handed out. A heartbeat every <see cref="Period"/> compares the monotonic clock with a reference clock that keeps
/// counting across a suspend (<see cref="SystemSuspendClock"/> for <see cref="TimeProvider.System"/>, the provider's
/// wall clock otherwise); when the reference got ahead by more than a slack, the difference is added to
/// <see cref="OffsetMs"/> and every subscribed cache is told (it ends its sessions' warm paths and re-checks its
/// proactive refreshes). A reference that falls back (a wall clock stepped back) is never counted as negative time.
/// </summary>
/// <remarks>
/// The warm path does not read <see cref="OffsetMs"/>: it compares the raw monotonic clock with a limit each state
/// computed when it was published, and a detected suspend ends that limit (<see cref="SessionState.EndWarmPath"/>), so the
/// warm path costs nothing more. Credentials can therefore be served for at most about one <see cref="Period"/> after
/// a resume (until the heartbeat runs).
/// </remarks>
internal sealed class SuspendMonitor
{
    /// <summary>How often the heartbeat compares the clocks: the longest a resumed process serves what it held.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private static readonly Lazy<SuspendMonitor> s_system = new(static () => new SuspendMonitor(
        TimeProvider.System,
        static () => Environment.TickCount64,
        SystemSuspendClock.Reader,
        SystemSuspendClock.Name,
        // BOOTTIME minus the coarse tick count jitters by a tick (4-10 ms); a wall clock is slewed by NTP.
        slackMs: OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() ? 100 : 1000));

    private readonly TimeProvider _timeProvider;
    private readonly Func<long> _monotonicMs;
    private readonly Func<long>? _referenceMs;
    private readonly long _slackMs;
    private readonly object _gate = new();
    private readonly List<WeakReference<SessionCache>> _subscribers = [];
    private ITimer? _heartbeat;
    private long _expected;
    private long _offsetMs;

    public SuspendMonitor(TimeProvider timeProvider, Func<long> monotonicMs, Func<long>? referenceMs, string referenceName, long slackMs)
    {
        _timeProvider = timeProvider;
        _monotonicMs = monotonicMs;
        _referenceMs = referenceMs;
        ReferenceName = referenceName;
        _slackMs = slackMs;
        _expected = referenceMs is null ? 0 : referenceMs() - monotonicMs();
    }

    /// <summary>The monitor of <see cref="TimeProvider.System"/>, shared by the whole process.</summary>
    public static SuspendMonitor System => s_system.Value;

    /// <summary>What the monotonic clock is compared with.</summary>
    public string ReferenceName { get; }

    /// <summary>Time the monotonic clock missed (suspends detected so far), in milliseconds; only ever grows.</summary>
    public long OffsetMs => Volatile.Read(ref _offsetMs);

    /// <summary>Whether a heartbeat runs (tests check that it stops with its last subscriber).</summary>
    internal bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _heartbeat is not null;
            }
        }
    }

    /// <summary>Tells <paramref name="cache"/> about suspends from now on; starts the heartbeat with the first subscriber.</summary>
    public void Subscribe(SessionCache cache)
    {
        if (_referenceMs is null)
        {
            return;
        }

        lock (_gate)
        {
            _subscribers.RemoveAll(static w => !w.TryGetTarget(out _));
            _subscribers.Add(new WeakReference<SessionCache>(cache));
            _heartbeat ??= _timeProvider.CreateTimer(static s => ((SuspendMonitor)s!).Check(), this, Period, Period);
        }
    }

    /// <summary>Stops telling <paramref name="cache"/>; the heartbeat stops with the last subscriber.</summary>
    public void Unsubscribe(SessionCache cache)
    {
        lock (_gate)
        {
            _subscribers.RemoveAll(w => !w.TryGetTarget(out var c) || ReferenceEquals(c, cache));
            if (_subscribers.Count == 0)
            {
                _heartbeat?.Dispose();
                _heartbeat = null;
            }
        }
    }

    /// <summary>The heartbeat: compares the clocks and reports a suspend. Never throws (it runs on a timer).</summary>
    internal void Check()
    {
        try
        {
            if (_referenceMs is null)
            {
                return;
            }

            List<SessionCache>? notify = null;
            long gap;
            lock (_gate)
            {
                var now = _referenceMs() - _monotonicMs();
                gap = now - _expected;
                if (gap < 0)
                {
                    // The reference fell back (a wall clock stepped back): start counting from here, never backwards.
                    _expected = now;
                    return;
                }

                if (gap <= _slackMs)
                {
                    // Timer and clock jitter; small differences add up until they exceed the slack.
                    return;
                }

                _expected = now;

                // A full fence: a state published after this reads the new offset, or is seen by the caches below.
                Interlocked.Add(ref _offsetMs, gap);
                foreach (var weak in _subscribers)
                {
                    if (weak.TryGetTarget(out var cache))
                    {
                        (notify ??= []).Add(cache);
                    }
                }
            }

            // Outside our lock: caches take their sessions' locks.
            foreach (var cache in notify ?? [])
            {
                cache.OnClockJumped(gap, ReferenceName);
            }
        }
        catch (Exception)
        {
            // A timer callback must not throw (it would end the process); the next beat compares again.
        }
    }
}
