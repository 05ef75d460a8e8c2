namespace AssumeRole.Extensions.Refresh;

/// <summary>
/// The proactive refresh timers of every session of one <see cref="Caching.SessionCache"/>: one <see cref="ITimer"/>
/// on the cache's <see cref="TimeProvider"/> over a priority queue of (due time, session), re-armed to the earliest
/// due time.
/// </summary>
/// <remarks>
/// One timer per session cost ~130 B per session, which a cache of 10,000 tenant roles pays 10,000 times. Deletion is
/// lazy: a session keeps its one live due time and the queue may still hold older entries for it, which are skipped
/// when they come up (<see cref="RefreshingSession.IsScheduledAt"/>). So that disarmed or disposed sessions are not
/// kept alive by the queue until their old due time, the queue is rebuilt without stale entries once they make up
/// more than half of it. Lock order: a session's lock, then this one; sessions are called only outside this lock.
/// </remarks>
internal sealed class RefreshScheduler : IDisposable
{
    /// <summary>The due time of a session that has no proactive refresh armed.</summary>
    public const long NotScheduled = long.MinValue;

    private const int MinStaleForCompaction = 64;

    /// <summary>
    /// The longest delay the timer is armed for. <c>Timer.Change</c> throws beyond 0xFFFFFFFE ms (~49.7 days), and a
    /// session can be due later than that (an entry read back from a cache or an STS that issues long sessions). The
    /// timer then fires early, finds nothing due and re-arms for the rest (see <see cref="OnTimer"/>). int.MaxValue ms
    /// (~24.8 days) suits every timer, including those that take the delay as an int.
    /// </summary>
    internal const long MaxTimerDelayMs = int.MaxValue;

    private readonly object _gate = new();
    private readonly PriorityQueue<RefreshingSession, long> _queue = new();
    private ITimer? _timer;
    private long _armedForMs = long.MaxValue;
    private int _stale;
    private bool _disposed;

    public RefreshScheduler(EngineClock clock)
    {
        Clock = clock;
    }

    public EngineClock Clock { get; }

    /// <summary>
    /// For deterministic simulations of the engine only (never set in production): every refresh of this scheduler's
    /// sessions runs on the thread that starts it, and every waiter of its shared task (each caller that joins gets a task
    /// of its own: .NET would queue a second await continuation of one task to the pool) completes synchronously, so
    /// that on a fake clock the whole engine runs on the one thread that drives the clock and the callers. Production runs
    /// refreshes on the pool or on their own threads and completes waiters asynchronously (see
    /// <c>RefreshingSession.Launch</c>).
    /// </summary>
    internal bool InlineExecution { get; set; }

    /// <summary>Queued entries, stale ones included (tests check that disarmed sessions leave).</summary>
    internal int QueuedCount
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>
    /// Queues <paramref name="session"/> for <paramref name="dueMs"/>; the session has already recorded it as its live
    /// due time. <paramref name="replacesEntry"/>: the session had another entry armed, which is now stale.
    /// </summary>
    public void Schedule(RefreshingSession session, long dueMs, bool replacesEntry)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            if (replacesEntry)
            {
                _stale++;
            }

            CompactIfMostlyStaleLocked();
            _queue.Enqueue(session, dueMs);
            if (dueMs < _armedForMs)
            {
                TryArmLocked(dueMs);
            }
        }
    }

    /// <summary>A session disarmed its entry (lease released, disposed): it is now stale.</summary>
    public void Unscheduled()
    {
        lock (_gate)
        {
            _stale++;
            CompactIfMostlyStaleLocked();
        }
    }

    /// <summary>
    /// Fires every entry that is due by now and re-arms: the engine time jumped forward (a suspend was detected), so
    /// refreshes due during the suspend run now instead of when the timer, armed on the stopped clock, would fire.
    /// </summary>
    public void Poke() => OnTimer();

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _timer?.Dispose();
            _timer = null;
            _queue.Clear();
            _armedForMs = long.MaxValue;
        }
    }

    private void OnTimer()
    {
        List<(RefreshingSession Session, long DueMs)>? due = null;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            var now = Clock.NowMs;
            while (_queue.TryPeek(out var session, out var dueMs) && dueMs <= now)
            {
                _queue.Dequeue();
                if (session.IsScheduledAt(dueMs))
                {
                    (due ??= []).Add((session, dueMs));
                }
                else if (_stale > 0)
                {
                    _stale--;
                }
            }

            // Re-arm for the earliest entry left (stale ones included: skipping them costs one wake-up each, while
            // looking past them would mean reading every session). A timer firing before the clock reaches the due
            // time (coarse clocks) just re-arms for the remainder.
            _armedForMs = long.MaxValue;
            if (_queue.TryPeek(out _, out var next))
            {
                TryArmLocked(next);
            }
            else
            {
                _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _stale = 0;
            }
        }

        if (due is null)
        {
            return;
        }

        // Outside our lock: a session takes its own lock and may schedule itself again. One session's failure must
        // neither stop the others nor escape: this runs on a timer thread, where an exception ends the process.
        foreach (var (session, dueMs) in due)
        {
            try
            {
                session.OnScheduled(dueMs);
            }
            catch (Exception)
            {
                // The session starts its refreshes without throwing; this is the last line of defence.
            }
        }
    }

    /// <summary>
    /// Arms the timer; when that fails (a <see cref="TimeProvider"/> that throws), leaves it marked unarmed so that the
    /// next <see cref="Schedule"/> tries again, instead of believing it armed and never firing.
    /// </summary>
    private void TryArmLocked(long dueMs)
    {
        try
        {
            ArmLocked(dueMs);
        }
        catch (Exception)
        {
            _armedForMs = long.MaxValue;
        }
    }

    private void ArmLocked(long dueMs)
    {
        _armedForMs = dueMs;
        var delay = TimeSpan.FromMilliseconds(Math.Clamp(dueMs - Clock.NowMs, 0, MaxTimerDelayMs));
        _timer ??= Clock.TimeProvider.CreateTimer(static s => ((RefreshScheduler)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _timer.Change(delay, Timeout.InfiniteTimeSpan);
    }

    private void CompactIfMostlyStaleLocked()
    {
        if (_stale < MinStaleForCompaction || _stale <= _queue.Count / 2)
        {
            return;
        }

        var live = new List<(RefreshingSession, long)>(Math.Max(0, _queue.Count - _stale));
        foreach (var (session, dueMs) in _queue.UnorderedItems)
        {
            if (session.IsScheduledAt(dueMs))
            {
                live.Add((session, dueMs));
            }
        }

        _queue.Clear();
        _queue.EnqueueRange(live);
        _stale = 0;

        // The timer stays armed for the old earliest entry; if that one was stale, it wakes once and re-arms.
    }
}
