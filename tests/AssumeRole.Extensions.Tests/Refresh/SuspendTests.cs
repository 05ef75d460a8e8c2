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

    [Fact]
    public async Task GetCredentials_FetchedBetweenAWallStepAndItsUndoing_KeepsItsDeadlines()
    {
        using var before = _engine.Create();
        await before.GetCredentialsAsync(TestContext.Current.CancellationToken);
        _clock.StepWall(TimeSpan.FromMinutes(10));
        await _engine.AdvanceAllAsync(SuspendMonitor.Period);

        // Fetched while the step counts: its deadlines are on the engine time as it is, nothing to give back.
        using var during = _engine.Create(o => o.RoleSessionName = "during");
        var duringFirst = await during.GetCredentialsAsync(TestContext.Current.CancellationToken);
        _clock.StepWall(TimeSpan.FromMinutes(-10));
        await _engine.AdvanceAllAsync(SuspendMonitor.Period);
        Assert.Equal(TimeSpan.FromMinutes(10).TotalMilliseconds, _engine.Cache.Clock.Monitor.UndoneMs);

        // Its refresh point, 45 minutes after its fetch, not 55.
        await _engine.AdvanceAllAsync(TimeSpan.FromMinutes(45));

        Assert.NotSame(duringFirst, during.GetCredentials());
        Assert.Equal(2, _engine.Sts.Calls.Count(c => c.RoleSessionName == "during"));
    }

    [Fact]
    public async Task GetCredentials_SuspendedThenWallSteppedBackBySomethingElse_StillRefreshes()
    {
        using var provider = _engine.Create();
        var first = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        // Two hours asleep (counted), then a correction of 5 minutes back: not the same step, nothing is given back.
        _clock.Suspend(TimeSpan.FromHours(2));
        await _engine.AdvanceAllAsync(SuspendMonitor.Period);
        _clock.StepWall(TimeSpan.FromMinutes(-5));
        await _engine.AdvanceAllAsync(SuspendMonitor.Period);

        Assert.Equal(0, _engine.Cache.Clock.Monitor.UndoneMs);
        Assert.NotSame(first, provider.GetCredentials());
        Assert.Equal(2, _engine.Sts.CallCount);
    }

    [Fact]
    public void Check_WallJumpsWhileMonotonicAndBoottimeStandStill_CountsAVmPause()
    {
        var clocks = new ManualClocks();
        var monitor = clocks.Monitor();

        // A paused VM: neither the monotonic clock nor CLOCK_BOOTTIME counts the pause; the wall clock is caught up
        // (kvmclock, NTP) when it resumes.
        clocks.Pass(900);
        clocks.Wall += 2 * 3600_000;
        monitor.Check();

        Assert.Equal(2 * 3600_000, monitor.OffsetMs);
    }

    [Fact]
    public void Check_SuspendMovesBoottimeAndWall_CountsItOnce()
    {
        var clocks = new ManualClocks();
        var monitor = clocks.Monitor();

        clocks.Boottime += 3600_000;
        clocks.Wall += 3600_000;
        monitor.Check();

        Assert.Equal(3600_000, monitor.OffsetMs);
    }

    [Fact]
    public void Check_WallSteppedBackAfterAPause_NeverTakesTimeBack()
    {
        // A correction of another size than the pause.
        var clocks = new ManualClocks();
        var monitor = clocks.Monitor();
        clocks.Wall += 3600_000;
        monitor.Check();
        clocks.Pass(1000);
        clocks.Wall -= 300_000;
        monitor.Check();

        // One of the pause's size, but long after it.
        var later = new ManualClocks();
        var laterMonitor = later.Monitor();
        later.Wall += 3600_000;
        laterMonitor.Check();
        later.Pass(SuspendMonitor.UndoWindowMs + 1000);
        later.Wall -= 3600_000;
        laterMonitor.Check();

        Assert.Equal((0, 3600_000), (monitor.UndoneMs, monitor.OffsetMs));
        Assert.Equal((0, 3600_000), (laterMonitor.UndoneMs, laterMonitor.OffsetMs));
    }

    [Fact]
    public void Check_WallSteppedForwardThenBackBySameAmount_UndoesTheStepOnce()
    {
        var clocks = new ManualClocks();
        var monitor = clocks.Monitor();
        clocks.Wall += 600_000;
        monitor.Check();
        clocks.Pass(1000);
        clocks.Wall -= 600_000 - 200;
        monitor.Check();

        // A second step back (no forward step left to undo) gives nothing back.
        clocks.Pass(1000);
        clocks.Wall -= 600_000;
        monitor.Check();

        Assert.Equal(600_000, monitor.OffsetMs);
        Assert.Equal(600_000 - 200, monitor.UndoneMs);
    }

    [Fact]
    public void Check_WallSetOffByAConstantFromTheStart_IsNotAStep()
    {
        // What libfaketime does in CI (faketime -f '+400d', monotonic clocks not faked): the offset is there from the
        // first read, so it is part of the baseline.
        var clocks = new ManualClocks { Wall = TimeSpan.FromDays(400).Ticks / TimeSpan.TicksPerMillisecond };
        var monitor = clocks.Monitor();
        for (var beat = 0; beat < 5; beat++)
        {
            clocks.Pass(1000);
            monitor.Check();
        }

        Assert.Equal(0, monitor.OffsetMs);
    }

    [Fact]
    public void Check_SystemClocksOfThisProcess_SeeNoStep()
    {
        // The real readers of the system monitor (under CI's shifted wall clock too): a fresh monitor sees nothing.
        var monitor = new SuspendMonitor(TimeProvider.System, static () => Environment.TickCount64, SystemSuspendClock.Reader, SystemSuspendClock.WallMs, SystemSuspendClock.Name, countingSlackMs: 100);
        monitor.Check();
        monitor.Check();

        Assert.Equal(0, monitor.OffsetMs);
    }

    /// <summary>The three clocks of the system monitor on Linux, moved by hand (milliseconds).</summary>
    private sealed class ManualClocks
    {
        public long Monotonic { get; set; } = 5_000;

        public long Boottime { get; set; } = 7_000;

        public long Wall { get; set; }

        /// <summary>Time passes normally: every clock moves alike.</summary>
        public void Pass(long ms)
        {
            Monotonic += ms;
            Boottime += ms;
            Wall += ms;
        }

        public SuspendMonitor Monitor() =>
            new(TimeProvider.System, () => Monotonic, () => Boottime, () => Wall, "CLOCK_BOOTTIME", countingSlackMs: 100);
    }
}
