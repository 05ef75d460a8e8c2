using AssumeRole.Extensions.Tests.Fakes;
using AssumeRole.Extensions.Tests.Simulation;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Found by the simulation (every seed, at teardown): disposing a session cache disposed its sweep timer first, then
/// its sessions; a chain hop's session, disposed, releases its lease on the hop before it through the cache, and that
/// release armed a new sweep timer on the disposed cache — armed for ever, rooting the cache and all it held.
/// </summary>
public sealed class IssuesTestsDisposedCacheRearmsSweep
{
    [Fact]
    public void Dispose_CacheHoldsAChain_LeavesNoTimerArmed()
    {
        var clock = new SimClock(TestEngine.RealNow());
        var engine = new TestEngine(time: clock.Inner, clock: clock);
        using var provider = new AssumeRoleCredentials(
            new AssumeRoleOptions
            {
                RoleArn = TestEngine.RoleArn,
                RoleSessionName = "target",
                SourceCredentials = TestEngine.Source(),
                Chain = [new AssumeRoleHopOptions { RoleArn = "arn:aws:iam::123456789012:role/First", RoleSessionName = "first" }],
                MaxStsRetries = 0,
            },
            engine.Context);

        engine.Cache.Dispose();

        Assert.Equal(0, engine.Cache.Count);
        Assert.Equal(0, clock.ArmedTimers);
    }
}
