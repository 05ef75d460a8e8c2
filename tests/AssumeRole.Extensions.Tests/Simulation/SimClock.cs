using AssumeRole.Extensions.Refresh;
using Microsoft.Extensions.Time.Testing;

namespace AssumeRole.Extensions.Tests.Simulation;

/// <summary>
/// The simulation's clock. Three times: the monotonic one (<see cref="Inner"/>, which drives the timers); the true time,
/// which also runs while the machine is suspended (STS's clock); the local wall clock, which is the true time plus any
/// steps an administrator or NTP made. <see cref="Suspend"/> moves the true and wall times but neither the monotonic
/// time nor the timers — what Linux and macOS do to .NET's monotonic clocks. Timers are tracked, so that the end of a
/// run can check that nothing is left armed.
/// </summary>
internal sealed class SimClock : TimeProvider, ISuspendCountingClock, IDeterministicClock
{
    private readonly object _gate = new();
    private readonly HashSet<TrackedTimer> _armed = [];
    private long _suspendedTicks;
    private long _stepTicks;

    public SimClock(DateTimeOffset start) => Inner = new FakeTimeProvider(start);

    public FakeTimeProvider Inner { get; }

    /// <summary>Exceptions timer callbacks threw (a real timer would crash the process; the fake one would stop firing).</summary>
    public List<Exception> CallbackFailures { get; } = [];

    public override long TimestampFrequency => Inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <summary>Real time, suspends included: STS's clock.</summary>
    public DateTimeOffset TrueNow => Inner.GetUtcNow() + TimeSpan.FromTicks(_suspendedTicks);

    /// <summary>Monotonic milliseconds (stops while suspended).</summary>
    public long MonotonicMs => Inner.GetTimestamp() / TimeSpan.TicksPerMillisecond;

    /// <summary>Timers armed now (one-shot timers that fired, and disposed ones, are not).</summary>
    public int ArmedTimers
    {
        get
        {
            lock (_gate)
            {
                return _armed.Count;
            }
        }
    }

    /// <summary>Where each timer still armed was created (to name what a run left behind).</summary>
    public IReadOnlyList<string> ArmedTimerOrigins
    {
        get
        {
            lock (_gate)
            {
                return [.. _armed.Select(t => t.Origin)];
            }
        }
    }

    /// <summary>The monotonic time plus every suspend, never stepped: what <c>CLOCK_BOOTTIME</c> is on Linux.</summary>
    public long SuspendCountingMs => MonotonicMs + (_suspendedTicks / TimeSpan.TicksPerMillisecond);

    public void Advance(TimeSpan by)
    {
        // Timer by timer: FakeTimeProvider.Advance moves the clock to the end first and then runs every callback due, so
        // a timer armed by a callback (a retry delay after a timeout) would be due after the end and wait for the next
        // advance, and a caller would see one long advance as a refresh that never moved. Real time lets it fire inside
        // the span, at its own moment: so does this.
        var target = Inner.GetUtcNow() + by;
        while (NextDue(target) is { } next)
        {
            Inner.Advance(next - Inner.GetUtcNow());
        }

        Inner.Advance(target - Inner.GetUtcNow());
    }

    /// <summary>The earliest due time of an armed timer, if it is after now and no later than <paramref name="limit"/>.</summary>
    private DateTimeOffset? NextDue(DateTimeOffset limit)
    {
        var now = Inner.GetUtcNow();
        DateTimeOffset? next = null;
        lock (_gate)
        {
            foreach (var timer in _armed)
            {
                if (timer.DueAt > now && timer.DueAt <= limit && (next is null || timer.DueAt < next))
                {
                    next = timer.DueAt;
                }
            }
        }

        return next;
    }

    public void Suspend(TimeSpan duration) => _suspendedTicks += duration.Ticks;

    public void StepWall(TimeSpan by) => _stepTicks += by.Ticks;

    public override DateTimeOffset GetUtcNow() => TrueNow + TimeSpan.FromTicks(_stepTicks);

    public override long GetTimestamp() => Inner.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var tracked = new TrackedTimer(this, callback, state);
        tracked.Attach(Inner.CreateTimer(static s => ((TrackedTimer)s!).Fire(), tracked, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
        tracked.Change(dueTime, period);
        return tracked;
    }

    private void SetArmed(TrackedTimer timer, bool armed)
    {
        lock (_gate)
        {
            if (armed)
            {
                _armed.Add(timer);
            }
            else
            {
                _armed.Remove(timer);
            }
        }
    }

    private sealed class TrackedTimer(SimClock clock, TimerCallback callback, object? state) : ITimer
    {
        private ITimer _inner = null!;
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        /// <summary>When the timer fires next (meaningful while armed).</summary>
        public DateTimeOffset DueAt { get; private set; }
        private bool _disposed;

        public string Origin => $"{callback.Method.DeclaringType}.{callback.Method.Name} (state: {state?.GetType().FullName ?? "none"})";

        public void Attach(ITimer inner) => _inner = inner;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (_disposed)
            {
                return false;
            }

            _period = period;
            DueAt = clock.Inner.GetUtcNow() + (dueTime == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : dueTime);
            clock.SetArmed(this, dueTime != Timeout.InfiniteTimeSpan);
            return _inner.Change(dueTime, period);
        }

        public void Fire()
        {
            if (_period == Timeout.InfiniteTimeSpan)
            {
                clock.SetArmed(this, false);
            }
            else
            {
                DueAt = clock.Inner.GetUtcNow() + _period;
            }

            try
            {
                callback(state);
            }
            catch (Exception ex)
            {
                clock.CallbackFailures.Add(ex);
            }
        }

        public void Dispose()
        {
            _disposed = true;
            clock.SetArmed(this, false);
            _inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return default;
        }
    }
}
