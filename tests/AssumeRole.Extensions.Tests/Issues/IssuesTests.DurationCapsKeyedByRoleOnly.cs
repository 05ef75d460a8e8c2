using System.Net;
using AssumeRole.Extensions.Sts;
using AssumeRole.Extensions.Tests.Fakes;
using Amazon.SecurityToken.Model;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Learned duration caps were keyed by role ARN only: the one-hour chaining cap that STS reported for a chained use of
/// a role clamped every direct (non-chained) user of that role to one hour as well, and the map grew with every tenant
/// role for the life of the process.
/// </summary>
public sealed class IssuesTestsDurationCapsKeyedByRoleOnly
{
    private readonly TestEngine _engine = new();

    [Fact]
    public async Task ChainingCapLearnedOnAChainedUse_DirectUserOfTheRole_StillGetsItsLongerSession()
    {
        // STS knows the first source is a role session (the planner did not): more than an hour is refused for it.
        const string RoleSessionKey = "AKIAROLESESSIONSRC01";
        _engine.Sts.FailNextWhere(call => call.Request is AssumeRoleRequest { DurationSeconds: > 3600 } ? ChainingLimit() : null);
        using var chained = _engine.Create(
            o =>
            {
                o.DurationSeconds = 7200;
                o.SourceIsRoleSession = false;
            },
            TestEngine.Source(RoleSessionKey));
        await chained.GetCredentialsAsync(TestContext.Current.CancellationToken);

        using var direct = _engine.Create(o => o.DurationSeconds = 7200, TestEngine.Source("AKIAIAMUSERSOURCE001"));
        await direct.GetCredentialsAsync(TestContext.Current.CancellationToken);

        var durations = _engine.Sts.Calls.Select(c => c.DurationSeconds).ToList();
        Assert.Equal([7200, 3600, 7200], durations);
    }

    [Fact]
    public async Task ChainingCapLearned_SameSessionRefreshesLater_GoesStraightToOneHour()
    {
        _engine.Sts.FailNextWhere(call => call.Request is AssumeRoleRequest { DurationSeconds: > 3600 } ? ChainingLimit() : null);
        using var chained = _engine.Create(o =>
        {
            o.DurationSeconds = 7200;
            o.SourceIsRoleSession = false;
        });
        await chained.GetCredentialsAsync(TestContext.Current.CancellationToken);

        await _engine.AdvanceAllAsync(TimeSpan.FromMinutes(50));

        Assert.Equal([7200, 3600, 3600], _engine.Sts.Calls.Select(c => c.DurationSeconds));
    }

    [Fact]
    public void Learn_MoreRolesThanTheLimit_StaysBoundedAndKeepsTheRecentlyUsed()
    {
        var caps = new DurationCaps(maxEntries: 100);
        caps.Learn("arn:aws:iam::123456789012:role/Busy", chained: false, 3600);
        for (var i = 0; i < 1000; i++)
        {
            caps.Learn($"arn:aws:iam::{100000000000 + i}:role/Tenant", chained: false, 3600);
            Assert.Equal(3600, caps.Apply("arn:aws:iam::123456789012:role/Busy", chained: false, 7200));
        }

        Assert.InRange(caps.Count, 1, 100);
        Assert.Equal(3600, caps.CapOf("arn:aws:iam::123456789012:role/Busy", chained: false));
        Assert.Null(caps.CapOf("arn:aws:iam::123456789012:role/Busy", chained: true));
    }

    private static StsCallException ChainingLimit() =>
        new("ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.", HttpStatusCode.BadRequest, Guid.NewGuid().ToString(), isTransient: false);
}
