using AssumeRole.Extensions.Sts;
using AssumeRole.Extensions.Tests.Fakes;

namespace AssumeRole.Extensions.Tests.Refresh;

public sealed class RefreshingSessionTests
{
    private readonly TestEngine _engine = new();

    [Fact]
    public async Task GetCredentialsAsync_Cold_FetchesOnceAndReturnsIssuedCredentials()
    {
        using var provider = _engine.Create();

        var first = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        var second = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.StartsWith("ASIAFAKE", first.AccessKey);
        Assert.Same(first, second);
        Assert.Equal(1, _engine.Sts.CallCount);
        Assert.Equal("arn:aws:sts::123456789012:assumed-role/Demo/test-session", provider.AssumedRoleArn);
    }

    [Fact]
    public void GetCredentials_ColdSync_BlocksUntilFetchedWithoutDeadlock()
    {
        using var provider = _engine.Create();

        var credentials = provider.GetCredentials();

        Assert.NotNull(credentials.Token);
        Assert.Equal(1, _engine.Sts.CallCount);
    }

    [Fact]
    public async Task GetCredentials_BeforeRefreshPoint_ReturnsCachedWithoutStsCall()
    {
        using var provider = _engine.Create();
        var first = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        // One hour lifetime → advisory window 15 min, no jitter: refresh point at 45 min.
        await _engine.AdvanceAsync(TimeSpan.FromMinutes(44), provider);

        Assert.Same(first, provider.GetCredentials());
        Assert.Same(first, await provider.GetCredentialsAsync());
        Assert.Equal(1, _engine.Sts.CallCount);
    }

    [Fact]
    public async Task GetCredentials_InAdvisoryWindow_ReturnsCurrentAndRefreshesOnceInBackground()
    {
        using var provider = _engine.Create();
        var first = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        _engine.Sts.Gate = new TaskCompletionSource();

        // Past the refresh point (45 min). The proactive timer fires here too, and it must not double the call.
        _engine.Time.Advance(TimeSpan.FromMinutes(46));
        var during = Enumerable.Range(0, 10).Select(_ => provider.GetCredentials()).ToList();

        Assert.All(during, c => Assert.Same(first, c));
        Assert.True(_engine.Sts.WaitForCalls(2));
        Assert.Equal(2, _engine.Sts.CallCount);
        _engine.Sts.Gate.SetResult();
        await TestEngine.SettleAsync(provider);
        Assert.NotSame(first, provider.GetCredentials());
        Assert.Equal(2, _engine.Sts.CallCount);
    }

    [Theory]
    [InlineData(15, 5)]
    [InlineData(20, 5)]
    [InlineData(21, 15)]
    [InlineData(60, 15)]
    [InlineData(89, 15)]
    [InlineData(90, 60)]
    [InlineData(720, 60)]
    public async Task RefreshPoint_FromLifetime_UsesAdvisoryWindowOfDesign(int lifetimeMinutes, int advisoryMinutes)
    {
        _engine.Sts.Lifetime = TimeSpan.FromMinutes(lifetimeMinutes);
        using var provider = _engine.Create();
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        var state = provider.Session.State!;

        Assert.Equal(TimeSpan.FromMinutes(advisoryMinutes).TotalMilliseconds, state.ExpiresAtMs - state.RefreshAtMs);
        Assert.Equal(TimeSpan.FromMinutes(1).TotalMilliseconds, state.ExpiresAtMs - state.MandatoryAtMs);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(0.999999)]
    public async Task Jitter_AnyRandomValue_MovesRefreshEarlierByAtMostFifthOfAdvisoryWindow(double random)
    {
        _engine.Jitter = random;
        using var provider = _engine.Create();
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        var state = provider.Session.State!;
        var advisoryMs = TimeSpan.FromMinutes(15).TotalMilliseconds;
        var early = state.ExpiresAtMs - state.RefreshAtMs - advisoryMs;

        Assert.InRange(early, 0, 0.2 * advisoryMs);
        Assert.InRange(early, (random * 0.2 * advisoryMs) - 1, random * 0.2 * advisoryMs);
    }

    [Fact]
    public async Task ProactiveTimer_IdleProvider_RefreshesAtRefreshPointWithoutCallers()
    {
        using var provider = _engine.Create();
        var first = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        await _engine.AdvanceAsync(TimeSpan.FromMinutes(44.9), provider);
        Assert.Equal(1, _engine.Sts.CallCount);
        await _engine.AdvanceAsync(TimeSpan.FromMinutes(0.2), provider);

        Assert.Equal(2, _engine.Sts.CallCount);
        Assert.NotSame(first, provider.Session.State!.Credentials);
    }

    [Fact]
    public async Task MandatoryWindow_StsDown_CredentialsInsideItAreNeverReturned()
    {
        using var provider = _engine.Create();
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        _engine.Sts.Always = _ => FakeSts.Internal();

        // 59.5 min: inside the 1-minute mandatory window of a 60-minute session.
        await _engine.AdvanceAsync(TimeSpan.FromMinutes(59.5), provider);

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));
        Assert.Equal("InternalFailure", ex.ErrorCode);
        Assert.Throws<AssumeRoleException>(() => provider.GetCredentials());
    }

    [Fact]
    public async Task MandatoryWindow_StsUp_CallerWaitsForNewCredentials()
    {
        using var provider = _engine.Create();
        var first = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        // Drop the lease so the proactive timer does not refresh first, then take it back.
        provider.Session.ReleaseLease();
        _engine.Time.Advance(TimeSpan.FromMinutes(59.5));
        provider.Session.TryAddLease();
        var second = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.NotSame(first, second);
        Assert.Equal(2, _engine.Sts.CallCount);
    }

    [Fact]
    public async Task ServerClock_AheadOfLocalClock_LifetimeMeasuredOnServerClock()
    {
        // Server 10 min ahead: a local-clock reading would see 70 min of life and refresh at 55 min.
        _engine.Sts.ServerClockOffset = TimeSpan.FromMinutes(10);
        using var provider = _engine.Create();
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        await _engine.AdvanceAsync(TimeSpan.FromMinutes(45.1), provider);

        Assert.Equal(2, _engine.Sts.CallCount);
    }

    [Fact]
    public async Task Expiration_AfterFetch_ReportsLocalExpiry()
    {
        using var provider = _engine.Create();
        Assert.Null(provider.Expiration);

        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.Equal(_engine.Time.GetUtcNow().UtcDateTime.AddHours(1), provider.Expiration!.Value, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task ShortSession_ShorterThanWindows_ShrinksWindowsKeepingOrder()
    {
        _engine.Sts.Lifetime = TimeSpan.FromMinutes(2);
        using var provider = _engine.Create(o => o.AdvisoryRefreshWindow = TimeSpan.FromMinutes(10));
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        var s = provider.Session.State!;

        Assert.True(s.RefreshAtMs < s.MandatoryAtMs && s.MandatoryAtMs < s.ExpiresAtMs);
        Assert.True(_engine.Cache.Clock.NowMs < s.RefreshAtMs);
    }
}
