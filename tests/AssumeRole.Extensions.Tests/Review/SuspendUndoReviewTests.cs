using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Tests.Fakes;

namespace AssumeRole.Extensions.Tests.Review;

/// <summary>
/// Review of issue 12 (commit 2824379): attacks on the "undo" of a wall step counted as missed time. STS's clock here is
/// the true time: it goes on while the VM is paused and does not follow a wall clock that is set back by mistake.
/// </summary>
public sealed class SuspendUndoReviewTests
{
    private readonly SuspendableTimeProvider _clock = new(TestEngine.RealNow());
    private readonly TestEngine _engine;

    public SuspendUndoReviewTests() => _engine = new TestEngine(clock: _clock);

    /// <summary>
    /// A real pause (the wall clock caught up on resume, the monotonic clock saw nothing: what a paused VM shows, and what
    /// any suspend shows where no suspend-counting clock exists) followed, a minute later, by an unrelated backward
    /// correction of the same size (±1 s): the monitor takes the pair for "there and back" and gives the pause back, so
    /// credentials are handed out past their real expiry (the invariant: a real pause followed by an unrelated
    /// backward correction must never make credentials look valid for longer than they really are).
    /// </summary>
    [Fact]
    public async Task GetCredentials_RealPauseThenUnrelatedBackStepOfTheSameSize_NeverServesPastRealExpiry()
    {
        using var provider = _engine.Create();
        var first = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        var realExpiry = _clock.GetUtcNow() + _engine.Sts.ServerClockOffset + TimeSpan.FromHours(1);

        // 20 minutes paused: real (and STS) time goes on, the wall clock is caught up, the monotonic clock stood still.
        _clock.Suspend(TimeSpan.FromMinutes(20));
        await _engine.AdvanceAllAsync(SuspendMonitor.Period);
        await _engine.AdvanceAllAsync(TimeSpan.FromMinutes(1));

        // Something else sets the wall clock back by about as much (here 20 min − 0.5 s); STS's clock does not move.
        var back = TimeSpan.FromMinutes(20) - TimeSpan.FromMilliseconds(500);
        _clock.StepWall(-back);
        _engine.Sts.ServerClockOffset += back;
        await _engine.AdvanceAllAsync(SuspendMonitor.Period);

        // 40 minutes later by the monotonic clock: about 61 minutes of real time since the fetch, past the real expiry.
        await _engine.AdvanceAllAsync(TimeSpan.FromMinutes(40));
        var realNow = _clock.GetUtcNow() + _engine.Sts.ServerClockOffset;
        Assert.True(realNow > realExpiry, $"set-up: {realNow:O} should be past {realExpiry:O}");

        var served = provider.GetCredentials();
        Assert.True(
            !ReferenceEquals(first, served),
            $"served the first credentials {(realNow - realExpiry).TotalSeconds:F0} s after their real expiry; monitor undone {_engine.Cache.Clock.Monitor.UndoneMs} ms, STS calls {_engine.Sts.CallCount}");
    }

    /// <summary>
    /// The same pair seen by the system monitor's logic on Linux (CLOCK_BOOTTIME does not count a VM pause either): the
    /// monitor cannot tell it from a step there and back, but the pause stays counted in the engine time (the offset never
    /// decreases), which is what mandatory points and expiry are measured on.
    /// </summary>
    [Fact]
    public void Check_VmPauseThenUnrelatedBackStepOfTheSameSize_KeepsThePauseCounted()
    {
        long monotonic = 5_000, boottime = 7_000, wall = 0;
        var monitor = new SuspendMonitor(TimeProvider.System, () => monotonic, () => boottime, () => wall, "CLOCK_BOOTTIME", countingSlackMs: 100);

        // A VM paused for 30 minutes, the wall clock caught up when it resumed.
        wall += 30 * 60_000;
        monitor.Check();

        // Five minutes later a wrong backward correction of 30 minutes minus 0.8 s.
        monotonic += 300_000;
        boottime += 300_000;
        wall += 300_000 - ((30 * 60_000) - 800);
        monitor.Check();

        Assert.Equal(30 * 60_000, monitor.OffsetMs);
    }

    /// <summary>
    /// A fetch that started before a wall step and finished after it was undone: its deadlines are laid on the engine time
    /// from before the step, but it is built with the offset that includes the step, so the undo (already past) never
    /// reaches it. The accepted cost (README, suspend table): it refreshes early by the step's size, once — never late.
    /// </summary>
    [Fact]
    public async Task GetCredentials_FetchInFlightAcrossAStepAndItsUndo_RefreshesEarlyOnceNeverLate()
    {
        _engine.Sts.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var provider = _engine.Create();
        var fetch = provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        Assert.True(_engine.Sts.WaitForCalls(1));

        _clock.StepWall(TimeSpan.FromMinutes(10));
        _engine.Time.Advance(SuspendMonitor.Period);
        _clock.StepWall(TimeSpan.FromMinutes(-10));
        _engine.Time.Advance(SuspendMonitor.Period);
        Assert.Equal(TimeSpan.FromMinutes(10).TotalMilliseconds, _engine.Cache.Clock.Monitor.UndoneMs);

        _engine.Sts.Gate.SetResult();
        var first = await fetch.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        // 30 minutes after the fetch, before the early point (45 − 10 min): still the first credentials.
        await _engine.AdvanceAllAsync(TimeSpan.FromMinutes(30));
        Assert.Same(first, provider.GetCredentials());

        // By the usual refresh point (45 min) it has refreshed, once.
        await _engine.AdvanceAllAsync(TimeSpan.FromMinutes(15));
        Assert.NotSame(first, provider.GetCredentials());
        Assert.Equal(2, _engine.Sts.CallCount);
    }
}
