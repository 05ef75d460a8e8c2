using AssumeRole.Extensions.Tests.Fakes;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// For a <see cref="TimeProvider"/> other than the system one (without a suspend-counting clock), the suspend heartbeat
/// compares the monotonic timestamp with the provider's wall clock: a wall step forward was counted as a suspend (the
/// engine time moved on), a step back was ignored. A wall clock stepped forward and then back again therefore aged
/// every session held across it for good — one 10-minute excursion moved its refresh 10 minutes earlier, a few of them
/// made valid credentials look expired — although no time was missed at all.
/// </summary>
public sealed class IssuesTestsUndoneWallStep
{
    private static readonly TimeSpan HeartbeatPeriod = TimeSpan.FromSeconds(1);

    private readonly SuspendableTimeProvider _clock = new(TestEngine.RealNow());
    private readonly TestEngine _engine;

    public IssuesTestsUndoneWallStep() => _engine = new TestEngine(clock: _clock);

    [Fact]
    public async Task GetCredentials_WallSteppedForwardThenBack_RefreshesAtTheUsualPoint()
    {
        using var provider = _engine.Create();
        var first = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        _clock.StepWall(TimeSpan.FromMinutes(10));
        await _engine.AdvanceAllAsync(HeartbeatPeriod);
        _clock.StepWall(TimeSpan.FromMinutes(-10));
        await _engine.AdvanceAllAsync(HeartbeatPeriod);

        // 40 minutes into a 1-hour session: 5 minutes before its refresh point (45 min, no jitter).
        await _engine.AdvanceAllAsync(TimeSpan.FromMinutes(40) - (2 * HeartbeatPeriod));

        Assert.Same(first, provider.GetCredentials());
        Assert.Equal(1, _engine.Sts.CallCount);
    }

    [Fact]
    public async Task GetCredentials_WallOscillatingForwardAndBack_KeepsServingWithoutStsCallsUntilTheMandatoryPoint()
    {
        using var provider = _engine.Create();
        var first = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        // Five excursions of 10 minutes each: the proactive refresh point is given back each time, so no early refresh.
        for (var i = 0; i < 5; i++)
        {
            _clock.StepWall(TimeSpan.FromMinutes(10));
            await _engine.AdvanceAllAsync(HeartbeatPeriod);
            _clock.StepWall(TimeSpan.FromMinutes(-10));
            await _engine.AdvanceAllAsync(HeartbeatPeriod);
        }

        Assert.Same(first, provider.GetCredentials());
        Assert.Same(first, await provider.GetCredentialsAsync(TestContext.Current.CancellationToken));
        Assert.Equal(1, _engine.Sts.CallCount);

        // The mandatory point is never given back (a pair can be a real pause plus an unrelated correction): a sixth
        // excursion brings the counted time to an hour, past the mandatory point, and the held credentials are replaced
        // (a refresh, never an expired credential).
        _clock.StepWall(TimeSpan.FromMinutes(10));
        await _engine.AdvanceAllAsync(HeartbeatPeriod);
        _clock.StepWall(TimeSpan.FromMinutes(-10));
        await _engine.AdvanceAllAsync(HeartbeatPeriod);

        Assert.NotSame(first, await provider.GetCredentialsAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, _engine.Sts.CallCount);
    }
}
