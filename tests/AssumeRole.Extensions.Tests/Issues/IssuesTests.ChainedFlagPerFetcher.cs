using System.Net;
using AssumeRole.Extensions.Sts;
using AssumeRole.Extensions.Tests.Fakes;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// When STS answered that a first hop's source is a role session (the one-hour chaining limit) although the planner did
/// not know it, only that session's fetcher remembered: every other session from the same source — another session
/// name, another (tenant) role, the same one recreated after eviction — asked for the long duration again, failed once
/// and logged the warning again.
/// </summary>
public sealed class IssuesTestsChainedFlagPerFetcher
{
    private readonly TestEngine _engine = new();

    [Fact]
    public async Task ChainingLearned_OtherSessionsFromTheSameSource_GoStraightToOneHour()
    {
        // STS knows this source is a role session: more than an hour is always refused.
        _engine.Sts.Always = r => r.DurationSeconds > 3600 ? ChainingLimit() : null;
        var source = TestEngine.Source("AKIAROLESESSIONSRC02");
        void Configure(AssumeRoleOptions o, string sessionName, string role)
        {
            o.RoleArn = role;
            o.RoleSessionName = sessionName;
            o.DurationSeconds = 7200;
            o.SourceIsRoleSession = false;
        }

        using var first = _engine.Create(o => Configure(o, "first", TestEngine.RoleArn), source);
        await first.GetCredentialsAsync(TestContext.Current.CancellationToken);
        using var otherName = _engine.Create(o => Configure(o, "other", TestEngine.RoleArn), source);
        await otherName.GetCredentialsAsync(TestContext.Current.CancellationToken);
        using var otherRole = _engine.Create(o => Configure(o, "first", "arn:aws:iam::123456789012:role/Tenant"), source);
        await otherRole.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.Equal([7200, 3600, 3600, 3600], _engine.Sts.Calls.Select(c => c.DurationSeconds));
    }

    [Fact]
    public async Task ChainingLearned_AnotherSource_StillAsksForItsDuration()
    {
        _engine.Sts.FailNextWhere(call => call.Request is Amazon.SecurityToken.Model.AssumeRoleRequest { DurationSeconds: > 3600 } ? ChainingLimit() : null);
        using var chained = _engine.Create(o => { o.DurationSeconds = 7200; o.SourceIsRoleSession = false; }, TestEngine.Source("AKIAROLESESSIONSRC03"));
        await chained.GetCredentialsAsync(TestContext.Current.CancellationToken);

        using var user = _engine.Create(o => { o.DurationSeconds = 7200; o.RoleSessionName = "user"; }, TestEngine.Source("AKIAIAMUSERSOURCE002"));
        await user.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.Equal([7200, 3600, 7200], _engine.Sts.Calls.Select(c => c.DurationSeconds));
    }

    private static StsCallException ChainingLimit() =>
        new("ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.", HttpStatusCode.BadRequest, Guid.NewGuid().ToString(), isTransient: false);
}
