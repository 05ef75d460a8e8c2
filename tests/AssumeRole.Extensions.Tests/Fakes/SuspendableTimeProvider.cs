using Microsoft.Extensions.Time.Testing;

namespace AssumeRole.Extensions.Tests.Fakes;

/// <summary>
/// A fake clock that can also be suspended: <see cref="Suspend"/> moves the wall clock (and so STS's clock, when a
/// <see cref="FakeSts"/> issues on this provider) while the monotonic timestamp and the timers stand still — what Linux
/// and macOS do to .NET's monotonic clocks while a laptop sleeps or a VM is paused. <see cref="StepWall"/> moves only
/// the wall clock too, backwards as well (an administrator or NTP stepping the clock). Time passes normally with
/// <see cref="FakeTimeProvider.Advance(TimeSpan)"/> on <see cref="Inner"/>, which drives the timers.
/// </summary>
internal sealed class SuspendableTimeProvider(DateTimeOffset start) : TimeProvider
{
    private long _wallOffsetTicks;

    /// <summary>The monotonic part: its timestamp and timers are this provider's.</summary>
    public FakeTimeProvider Inner { get; } = new(start);

    public override long TimestampFrequency => Inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <summary>Sleeps for <paramref name="duration"/>: real (wall and server) time passes, the monotonic clock does not.</summary>
    public void Suspend(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        StepWall(duration);
    }

    /// <summary>Moves the wall clock alone by <paramref name="by"/> (negative: backwards).</summary>
    public void StepWall(TimeSpan by) => Interlocked.Add(ref _wallOffsetTicks, by.Ticks);

    /// <summary>Lets <paramref name="by"/> pass on both clocks, firing the timers due meanwhile.</summary>
    public void Advance(TimeSpan by) => Inner.Advance(by);

    public override DateTimeOffset GetUtcNow() => Inner.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _wallOffsetTicks));

    public override long GetTimestamp() => Inner.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        Inner.CreateTimer(callback, state, dueTime, period);
}
