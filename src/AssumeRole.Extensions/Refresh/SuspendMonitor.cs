using AssumeRole.Extensions.Caching;

namespace AssumeRole.Extensions.Refresh;

/// <summary>
/// Notices that the engine's monotonic clock stood still while real time went on — the machine slept, the VM was
/// paused — and moves the engine's time forward by the time lost, so that credentials that expired meanwhile are not
/// handed out. A heartbeat every <see cref="Period"/> reads three clocks and compares their progress:
/// <list type="bullet">
/// <item>the monotonic clock against a <em>suspend-counting</em> clock, which keeps counting across a suspend and never
/// steps (<c>CLOCK_BOOTTIME</c> on Linux, <c>CLOCK_MONOTONIC</c> on macOS, <see cref="ISuspendCountingClock"/>): when it
/// got ahead by more than a slack, that time was certainly missed;</item>
/// <item>the wall clock against the suspend-counting clock (the monotonic one where there is none): a wall clock that
/// jumped forward while both stood still is what a paused VM shows when its clock is caught up on resume (neither
/// <c>CLOCK_BOOTTIME</c> nor the monotonic clock counts a VM pause), and also what a forward clock correction looks
/// like. The two cannot be told apart, so the step is counted: an early refresh is cheap, expired credentials are not.</item>
/// </list>
/// Counted time is added to <see cref="OffsetMs"/>, which never decreases (deadlines already placed on the engine time
/// would otherwise move later), and every subscribed cache is told: it ends its sessions' warm paths and re-checks its
/// proactive refreshes. A wall clock that steps back is never counted as negative time, with one exception: a step back
/// of the size of the last counted wall step (within the slack, and within <see cref="UndoWindowMs"/> of it) undoes
/// that step — most likely a correction there and back — and the caches move the proactive refresh of the sessions whose
/// credentials were held across it back to where it was (<see cref="SessionCache.OnClockStepUndone"/>), so an
/// oscillating wall clock does not make every session refresh early again and again. Their mandatory point and expiry
/// are never moved back: the pair can also be a real pause followed by an unrelated correction of its size, and then the
/// time was really missed. Sessions fetched after the step are placed on the engine time as it is and are not moved.
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

    /// <summary>How long after a counted wall step a step back of its size still undoes it (monotonic time).</summary>
    public const long UndoWindowMs = 60 * 60 * 1000;

    /// <summary>
    /// The slack of the wall clock's comparison: timer and read jitter are milliseconds, but NTP steps the clock for
    /// offsets from 128 ms, and a pause shorter than a heartbeat is within the heartbeat's own tolerance anyway.
    /// </summary>
    public const long WallSlackMs = 1000;

    private static readonly Lazy<SuspendMonitor> s_system = new(static () => new SuspendMonitor(
        TimeProvider.System,
        static () => Environment.TickCount64,
        SystemSuspendClock.Reader,
        SystemSuspendClock.WallMs,
        SystemSuspendClock.Name,
        // BOOTTIME minus the coarse tick count jitters by a tick (4-10 ms).
        countingSlackMs: 100));

    private readonly TimeProvider _timeProvider;
    private readonly Func<long> _monotonicMs;
    private readonly Func<long>? _countingMs;
    private readonly Func<long> _wallMs;
    private readonly string _countingName;
    private readonly long _countingSlackMs;
    private readonly object _gate = new();
    private readonly List<WeakReference<SessionCache>> _subscribers = [];
    private ITimer? _heartbeat;

    // What counting − monotonic and wall − counting were when last taken as the baseline; a change beyond the slack is
    // a suspend, a pause or a wall step.
    private long _expectedCounting;
    private long _expectedWall;
    private long _offsetMs;
    private long _undoneMs;

    // The last wall step counted, while it can still be undone: its size, the offset before it (sessions built at or
    // below it were held across it) and when it was counted (monotonic).
    private long _pendingStepMs;
    private long _pendingOffsetBeforeMs;
    private long _pendingAtMs;

    /// <summary>A monitor over the given clocks (all in milliseconds, any origin).</summary>
    /// <param name="timeProvider">Runs the heartbeat's timer.</param>
    /// <param name="monotonicMs">The engine's monotonic clock.</param>
    /// <param name="countingMs">A clock that counts across suspends and never steps, or <see langword="null"/> if there is none.</param>
    /// <param name="wallMs">The wall clock.</param>
    /// <param name="countingName">What <paramref name="countingMs"/> reads, for the log.</param>
    /// <param name="countingSlackMs">The slack of the suspend-counting clock's comparison.</param>
    public SuspendMonitor(TimeProvider timeProvider, Func<long> monotonicMs, Func<long>? countingMs, Func<long> wallMs, string countingName, long countingSlackMs)
    {
        _timeProvider = timeProvider;
        _monotonicMs = monotonicMs;
        _countingMs = countingMs;
        _wallMs = wallMs;
        ReferenceName = countingMs is null ? "the wall clock" : $"{countingName} and the wall clock";
        _countingName = countingName;
        _countingSlackMs = countingSlackMs;

        // The baseline is what the clocks say now: a wall clock set off by a constant from the start (libfaketime, a
        // container's time namespace) is not a step.
        Rebaseline();
    }

    /// <summary>The monitor of <see cref="TimeProvider.System"/>, shared by the whole process.</summary>
    public static SuspendMonitor System => s_system.Value;

    /// <summary>What the monotonic clock is compared with.</summary>
    public string ReferenceName { get; }

    /// <summary>Time the monotonic clock missed (suspends, pauses, forward wall steps) so far, in milliseconds; only ever grows.</summary>
    public long OffsetMs => Volatile.Read(ref _offsetMs);

    /// <summary>Wall steps counted and later undone by a step back of their size, in milliseconds (tests and diagnostics).</summary>
    internal long UndoneMs => Volatile.Read(ref _undoneMs);

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
        lock (_gate)
        {
            _subscribers.RemoveAll(static w => !w.TryGetTarget(out _));
            _subscribers.Add(new WeakReference<SessionCache>(cache));
            if (_heartbeat is null)
            {
                // Nobody held a session while no heartbeat ran: what the clocks did meanwhile concerns no one.
                Rebaseline();
                _heartbeat = _timeProvider.CreateTimer(static s => ((SuspendMonitor)s!).Check(), this, Period, Period);
            }
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
            List<SessionCache>? notify = null;
            long suspended = 0, stepped = 0, undone = 0, undoneOffsetBefore = 0;
            lock (_gate)
            {
                var monotonic = _monotonicMs();
                var counting = _countingMs?.Invoke() ?? monotonic;
                var wall = _wallMs();
                var offsetBefore = _offsetMs;

                // The suspend-counting clock never steps: ahead of the monotonic clock by more than the slack, the
                // machine was suspended. Behind it, only jitter (take it as the new baseline, never negative time).
                var countingNow = counting - monotonic;
                var countingGap = countingNow - _expectedCounting;
                if (countingGap < 0 || countingGap > _countingSlackMs)
                {
                    _expectedCounting = countingNow;
                    suspended = Math.Max(0, countingGap);
                }

                // The wall clock against the suspend-counting one (a suspend moves both alike): small differences add
                // up until they exceed the slack either way.
                var wallNow = wall - counting;
                var wallGap = wallNow - _expectedWall;
                if (wallGap > WallSlackMs)
                {
                    _expectedWall = wallNow;
                    stepped = wallGap;
                    _pendingStepMs = wallGap;
                    _pendingOffsetBeforeMs = offsetBefore;
                    _pendingAtMs = monotonic;
                }
                else if (wallGap < -WallSlackMs)
                {
                    _expectedWall = wallNow;
                    if (_pendingStepMs > 0 && Math.Abs(_pendingStepMs + wallGap) <= WallSlackMs && monotonic - _pendingAtMs <= UndoWindowMs)
                    {
                        // There and back: what was held across the step gets the smaller of the two back.
                        undone = Math.Min(_pendingStepMs, -wallGap);
                        undoneOffsetBefore = _pendingOffsetBeforeMs;
                        _undoneMs += undone;
                    }

                    // Any step back ends what could be undone: only the last step, and only once.
                    _pendingStepMs = 0;
                }

                if (suspended + stepped == 0 && undone == 0)
                {
                    return;
                }

                // A full fence: a state published after this reads the new offset, or is seen by the caches below.
                Interlocked.Add(ref _offsetMs, suspended + stepped);
                foreach (var weak in _subscribers)
                {
                    if (weak.TryGetTarget(out var cache))
                    {
                        (notify ??= []).Add(cache);
                    }
                }
            }

            // Outside our lock: caches take their sessions' locks.
            var reference = suspended > 0 && stepped > 0 ? ReferenceName : suspended > 0 ? _countingName : "the wall clock";
            foreach (var cache in notify ?? [])
            {
                if (suspended + stepped > 0)
                {
                    cache.OnClockJumped(suspended + stepped, reference);
                }

                if (undone > 0)
                {
                    cache.OnClockStepUndone(undone, undoneOffsetBefore);
                }
            }
        }
        catch (Exception)
        {
            // A timer callback must not throw (it would end the process); the next beat compares again.
        }
    }

    /// <summary>Takes what the clocks say now as the baseline, with nothing to undo. Caller holds <see cref="_gate"/> (or constructs).</summary>
    private void Rebaseline()
    {
        var monotonic = _monotonicMs();
        var counting = _countingMs?.Invoke() ?? monotonic;
        _expectedCounting = counting - monotonic;
        _expectedWall = _wallMs() - counting;
        _pendingStepMs = 0;
    }
}
