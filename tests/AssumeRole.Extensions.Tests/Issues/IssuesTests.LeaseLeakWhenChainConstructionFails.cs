using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// When building a later hop of a chain threw (its STS client could not be made), the constructor left the lease it
/// held on the hop before: that session could never be evicted and its proactive timer refreshed it for ever.
/// </summary>
public sealed class IssuesTestsLeaseLeakWhenChainConstructionFails
{
    private const string FirstArn = "arn:aws:iam::123456789012:role/First";

    private readonly TestEngine _engine = new();

    [Fact]
    public void Constructor_SecondHopCannotBeBuilt_ReleasesTheFirstHopAndEvictsIt()
    {
        var context = new AssumeRoleContext(
            _engine.Time,
            NullLoggerFactory.Instance,
            _engine.Cache,
            (source, _, _) => source is SessionCredentials ? throw new InvalidOperationException("no client for this hop") : (_engine.Sts, false),
            _engine.Caps,
            () => 0);
        var options = new AssumeRoleOptions
        {
            RoleArn = TestEngine.RoleArn,
            RoleSessionName = "target",
            SourceCredentials = TestEngine.Source(),
            Chain = [new AssumeRoleHopOptions { RoleArn = FirstArn, RoleSessionName = "first" }],
            MaxStsRetries = 0,
        };

        Assert.Throws<InvalidOperationException>(() => new AssumeRoleCredentials(options, context));

        Assert.Equal(1, _engine.Cache.Count);
        _engine.Time.Advance(AssumeRoleDefaults.SessionIdleTimeout);
        _engine.Cache.Sweep();
        Assert.Equal(0, _engine.Cache.Count);
    }
}
