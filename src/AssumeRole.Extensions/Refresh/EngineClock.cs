namespace AssumeRole.Extensions.Refresh;

/// <summary>
/// A monotonic millisecond clock over a <see cref="TimeProvider"/>, so that deadlines ignore wall-clock jumps.
/// </summary>
/// <remarks>
/// With <see cref="TimeProvider.System"/> it reads <see cref="Environment.TickCount64"/>, which is monotonic and, on
/// the warm path, several times cheaper than <see cref="TimeProvider.GetTimestamp"/>; any other provider (for example
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
    }

    public TimeProvider TimeProvider { get; }

    /// <summary>Whether this clock is <see cref="TimeProvider.System"/>, read as <see cref="Environment.TickCount64"/>.</summary>
    public bool IsSystem => _system;

    public long NowMs => _system ? Environment.TickCount64 : (long)(TimeProvider.GetTimestamp() * _msPerTick);
}
