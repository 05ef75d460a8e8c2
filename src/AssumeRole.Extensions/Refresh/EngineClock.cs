namespace AssumeRole.Extensions.Refresh;

/// <summary>
/// The engine's millisecond clock over a <see cref="TimeProvider"/>: monotonic, so that deadlines ignore wall-clock
/// jumps, plus the time the monotonic clock missed while the machine was suspended (<see cref="SuspendMonitor"/>),
/// so that a suspend past expiry is not mistaken for no time at all.
/// </summary>
/// <remarks>
/// With <see cref="TimeProvider.System"/> the raw clock is <see cref="Environment.TickCount64"/>, which is monotonic and,
/// on the warm path, several times cheaper than <see cref="TimeProvider.GetTimestamp"/>; any other provider (for example
/// <c>FakeTimeProvider</c> in tests) is read through <see cref="TimeProvider.GetTimestamp"/>. The two are never mixed
/// within one clock.
/// </remarks>
internal sealed class EngineClock
{
    private readonly bool _system;
    private readonly double _msPerTick;

    public EngineClock(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        TimeProvider = timeProvider;
        _system = ReferenceEquals(timeProvider, TimeProvider.System);
        _msPerTick = 1000.0 / timeProvider.TimestampFrequency;

        // Any other provider: its suspend-counting clock when it has one, and its wall clock (a fake one's suspend moves
        // the wall, not the timestamp).
        Monitor = _system
            ? SuspendMonitor.System
            : new SuspendMonitor(
                timeProvider,
                () => RawMs,
                timeProvider is ISuspendCountingClock counting ? () => counting.SuspendCountingMs : null,
                () => timeProvider.GetUtcNow().ToUnixTimeMilliseconds(),
                "the provider's suspend-counting clock",
                countingSlackMs: 100);
    }

    public TimeProvider TimeProvider { get; }

    /// <summary>Whether this clock is <see cref="TimeProvider.System"/>, read as <see cref="Environment.TickCount64"/>.</summary>
    public bool IsSystem => _system;

    /// <summary>Notices suspends of this clock (process-wide for the system clock).</summary>
    public SuspendMonitor Monitor { get; }

    /// <summary>The monotonic clock alone, without suspends: what the warm path compares (see <see cref="SessionState.WarmUntilRawMs"/>).</summary>
    public long RawMs => _system ? Environment.TickCount64 : (long)(TimeProvider.GetTimestamp() * _msPerTick);

    /// <summary>Time missed while suspended, in milliseconds.</summary>
    public long OffsetMs => Monitor.OffsetMs;

    /// <summary>Engine time: the monotonic clock plus the time it missed while suspended. Every deadline is on it.</summary>
    public long NowMs => RawMs + Monitor.OffsetMs;
}
