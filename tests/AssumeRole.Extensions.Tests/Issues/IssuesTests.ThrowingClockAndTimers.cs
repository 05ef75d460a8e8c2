using AssumeRole.Extensions.Tests.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Review of issue 12 ("leases never leak, whatever throws"): a clock that threw while a lease was taken left the lease
/// counted although the caller got the exception (the session was never evicted and refreshed for ever); a
/// <see cref="TimeProvider"/> that could not create the sweep timer made <c>Dispose()</c> throw.
/// </summary>
public sealed class IssuesTestsThrowingClockAndTimers
{
    [Fact]
    public async Task Create_ClockThrowsWhileLeasing_NoLeaseLeft()
    {
        var clock = new ThrowingClock(TestEngine.RealNow());
        var engine = new TestEngine(time: clock);
        var first = engine.Create();
        await first.GetCredentialsAsync(TestContext.Current.CancellationToken);
        var session = first.Session;
        first.Dispose();
        Assert.Equal(0, session.Leases);

        clock.Throw = true;
        var error = Record.Exception(() => engine.Create());
        clock.Throw = false;

        Assert.NotNull(error);
        Assert.Equal(0, session.Leases);
    }

    [Fact]
    public async Task Dispose_TimeProviderCannotCreateTimers_DoesNotThrowAndLeasesBalance()
    {
        var time = new TimerThrowingTime(TestEngine.RealNow());
        var engine = new TestEngine(time: time);
        var first = engine.Create();
        await first.GetCredentialsAsync(TestContext.Current.CancellationToken);
        var session = first.Session;

        time.Throw = true;
        var disposeError = Record.Exception(first.Dispose);
        var createError = Record.Exception(() => engine.Create().Dispose());
        time.Throw = false;

        Assert.Null(disposeError);
        Assert.Null(createError);
        Assert.Equal(0, session.Leases);
    }

    private sealed class ThrowingClock(DateTimeOffset start) : FakeTimeProvider(start)
    {
        public volatile bool Throw;

        public override long GetTimestamp() => Throw ? throw new InvalidOperationException("clock down") : base.GetTimestamp();
    }

    private sealed class TimerThrowingTime(DateTimeOffset start) : FakeTimeProvider(start)
    {
        public volatile bool Throw;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            Throw ? throw new InvalidOperationException("timers down") : base.CreateTimer(callback, state, dueTime, period);
    }
}
