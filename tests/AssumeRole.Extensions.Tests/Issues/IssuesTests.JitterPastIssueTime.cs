using AssumeRole.Extensions.Tests.Fakes;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// An advisory window close to the lifetime (valid: A &lt; L) plus jitter (up to 20 % of A) put the refresh point
/// before the moment the session was fetched, so every refresh re-armed the proactive timer at zero delay and the
/// engine called STS in a tight loop.
/// </summary>
public sealed class IssuesTestsJitterPastIssueTime
{
    private readonly TestEngine _engine = new(jitter: 0.99);

    [Fact]
    public async Task RefreshPoint_AdvisoryNearLifetimeWithFullJitter_StaysAfterTheFetch()
    {
        // 1 h session, A = 55 min passes validation (A < L); jitter of up to 11 min would reach 6 min before issue.
        using var provider = _engine.Create(o => o.AdvisoryRefreshWindow = TimeSpan.FromMinutes(55));

        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        var now = provider.Session.Clock.NowMs;
        var state = provider.Session.State!;
        await TestEngine.SettleAsync(provider);

        Assert.True(state.RefreshAtMs > now, $"refresh point {state.RefreshAtMs - now} ms from now");
        Assert.Equal(1, _engine.Sts.CallCount);
    }
}
