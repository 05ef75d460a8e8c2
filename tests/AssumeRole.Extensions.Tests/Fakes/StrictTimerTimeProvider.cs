using Microsoft.Extensions.Time.Testing;

namespace AssumeRole.Extensions.Tests.Fakes;

/// <summary>
/// A <see cref="FakeTimeProvider"/> whose timers refuse what <see cref="System.Threading.Timer"/> refuses: a due time
/// or period beyond 0xFFFFFFFE ms (~49.7 days) throws <see cref="ArgumentOutOfRangeException"/>, as on the real clock.
/// (FakeTimeProvider's own timers accept any delay, which would hide the bug.)
/// </summary>
internal sealed class StrictTimerTimeProvider(FakeTimeProvider inner) : TimeProvider
{
    public const long MaxTimerMs = 0xFFFFFFFE;

    public FakeTimeProvider Inner { get; } = inner;

    public override DateTimeOffset GetUtcNow() => Inner.GetUtcNow();

    public override long GetTimestamp() => Inner.GetTimestamp();

    public override long TimestampFrequency => Inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => Inner.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Check(dueTime, period);
        return new StrictTimer(Inner.CreateTimer(callback, state, dueTime, period));
    }

    private static void Check(TimeSpan dueTime, TimeSpan period)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((long)dueTime.TotalMilliseconds, MaxTimerMs, nameof(dueTime));
        ArgumentOutOfRangeException.ThrowIfGreaterThan((long)period.TotalMilliseconds, MaxTimerMs, nameof(period));
    }

    private sealed class StrictTimer(ITimer inner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Check(dueTime, period);
            return inner.Change(dueTime, period);
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
