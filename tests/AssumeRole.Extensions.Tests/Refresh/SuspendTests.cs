using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Tests.Fakes;

namespace AssumeRole.Extensions.Tests.Refresh;

public sealed class SuspendTests
{
    private readonly SuspendableTimeProvider _clock = new(TestEngine.RealNow());
    private readonly TestEngine _engine;

    public SuspendTests() => _engine = new TestEngine(clock: _clock);

    [Fact]
    public void SuspendableTimeProvider_Suspend_MovesTheWallClockOnly()
    {
        var wall = _clock.GetUtcNow();
        var stamp = _clock.GetTimestamp();
        var fired = 0;
        using var timer = _clock.CreateTimer(_ => fired++, null, TimeSpan.FromMinutes(1), Timeout.InfiniteTimeSpan);

        _clock.Suspend(TimeSpan.FromHours(2));

        Assert.Equal(wall + TimeSpan.FromHours(2), _clock.GetUtcNow());
        Assert.Equal(stamp, _clock.GetTimestamp());
        Assert.Equal(0, fired);
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, fired);
    }

    [Fact]
    public async Task GetCredentials_WallClockSteppedBack_KeepsServingWithoutStsCalls()
    {
        using var provider = _engine.Create();
        var first = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        _clock.StepWall(TimeSpan.FromHours(-2));
        _clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Same(first, provider.GetCredentials());
        Assert.Equal(1, _engine.Sts.CallCount);
        Assert.Equal(0, _engine.Cache.Clock.OffsetMs);
    }

    [Fact]
    public async Task GetCredentials_WallClockSteppedBackThenSuspended_CountsTheSuspendOnly()
    {
        using var provider = _engine.Create();
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        _clock.StepWall(TimeSpan.FromMinutes(-30));
        _clock.Advance(TimeSpan.FromSeconds(1));

        _clock.Suspend(TimeSpan.FromMinutes(20));
        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(TimeSpan.FromMinutes(20).TotalMilliseconds, _engine.Cache.Clock.OffsetMs);
    }

    [Fact]
    public async Task Suspend_ShorterThanTheSlack_IsNotCountedUntilTheyAddUp()
    {
        using var provider = _engine.Create();
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        _clock.Suspend(TimeSpan.FromMilliseconds(600));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, _engine.Cache.Clock.OffsetMs);

        _clock.Suspend(TimeSpan.FromMilliseconds(600));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1200, _engine.Cache.Clock.OffsetMs);
    }

    [Fact]
    public async Task Suspend_IntoTheAdvisoryWindow_IdleSessionRefreshesProactivelyAfterResume()
    {
        using var provider = _engine.Create();
        var first = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        // Into the advisory window (1 h session: refresh point at 45 min), far from expiry: no caller, the timer alone.
        _clock.Suspend(TimeSpan.FromMinutes(50));
        await _engine.AdvanceAllAsync(SuspendMonitor.Period);

        Assert.Equal(2, _engine.Sts.CallCount);
        Assert.NotSame(first, provider.GetCredentials());
    }

    [Fact]
    public void Monitor_LastCacheDisposed_StopsTheHeartbeat()
    {
        var cache = new AssumeRole.Extensions.Caching.SessionCache(new SuspendableTimeProvider(TestEngine.RealNow()));
        Assert.True(cache.Clock.Monitor.IsRunning);

        cache.Dispose();

        Assert.False(cache.Clock.Monitor.IsRunning);
    }

    [Fact]
    public void SystemSuspendClock_OnLinux_ReadsBoottimeWhichNeverRunsBehindTheTickCount()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "CLOCK_BOOTTIME is Linux's.");
        Assert.Equal("CLOCK_BOOTTIME", SystemSuspendClock.Name);
        var read = Assert.IsType<Func<long>>(SystemSuspendClock.Reader, exactMatch: false);

        // BOOTTIME = MONOTONIC + time suspended; the tick count is the coarse MONOTONIC (a tick behind at most).
        var first = read() - Environment.TickCount64;
        var second = read() - Environment.TickCount64;
        Assert.InRange(first, -50, long.MaxValue);
        Assert.InRange(second - first, -50, 50);
    }
}
