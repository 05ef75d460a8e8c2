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
    public void Dispose_CacheHoldsChains_LeavesNoTimerArmed()
    {
        var clock = new SimClock(TestEngine.RealNow());
        var engine = new TestEngine(time: clock.Inner, clock: clock);

        // Several chains: the cache disposes its sessions in its dictionary's order, and the timer was only re-armed
        // when a hop came before the session it is assumed from.
        var providers = Enumerable.Range(0, 12).Select(i => new AssumeRoleCredentials(
            new AssumeRoleOptions
            {
                RoleArn = TestEngine.RoleArn + i,
                RoleSessionName = "target",
                SourceCredentials = TestEngine.Source(),
                Chain = [new AssumeRoleHopOptions { RoleArn = "arn:aws:iam::123456789012:role/First" + i, RoleSessionName = "first" }],
                MaxStsRetries = 0,
            },
            engine.Context)).ToList();

        engine.Cache.Dispose();

        Assert.Equal(0, engine.Cache.Count);
        Assert.Equal(0, clock.ArmedTimers);
        providers.ForEach(p => p.Dispose());
    }
}
