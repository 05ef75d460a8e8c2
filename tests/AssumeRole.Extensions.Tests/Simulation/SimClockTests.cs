using AssumeRole.Extensions.Tests.Fakes;

namespace AssumeRole.Extensions.Tests.Simulation;

/// <summary>The simulation's clock drives timers, cancellation sources and delays, timers created in timer callbacks included.</summary>
public sealed class SimClockTests
{
    [Fact]
    public void Cts_OnClock_CancelsOnAdvance()
    {
        var clock = new SimClock(TestEngine.RealNow());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10), clock);
        clock.Advance(TimeSpan.FromSeconds(11));
        Assert.True(cts.IsCancellationRequested);
    }

    [Fact]
    public void InfiniteDelay_OnClock_Cancels()
    {
        var clock = new SimClock(TestEngine.RealNow());
        using var cts = new CancellationTokenSource();
        var task = Task.Delay(Timeout.InfiniteTimeSpan, clock, cts.Token);
        cts.Cancel();
        Assert.True(task.IsCanceled);
    }

    [Fact]
    public void Timer_CreatedInTimerCallback_FiresOnLaterAdvance()
    {
        var clock = new SimClock(TestEngine.RealNow());
        var fired = false;
        ITimer? inner = null;
        using var timer = clock.CreateTimer(_ => inner = clock.CreateTimer(_ => fired = true, null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.NotNull(inner);
        clock.Advance(TimeSpan.FromSeconds(11));
        Assert.True(fired);
    }

    [Fact]
    public void Advance_TimerArmedByACallbackDueWithinTheSpan_FiresAtItsOwnMoment()
    {
        var clock = new SimClock(TestEngine.RealNow());
        var start = clock.GetUtcNow();
        DateTimeOffset? firedAt = null;
        ITimer? inner = null;
        using var timer = clock.CreateTimer(_ => inner = clock.CreateTimer(_ => firedAt = clock.GetUtcNow(), null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromMinutes(77));

        Assert.Equal(start + TimeSpan.FromSeconds(11), firedAt);
        Assert.Equal(start + TimeSpan.FromMinutes(77), clock.GetUtcNow());
        inner?.Dispose();
    }
}
