using AssumeRole.Extensions.Tests.Fakes;

namespace AssumeRole.Extensions.Tests.Refresh;

public sealed class ConcurrencyAndLifetimeTests
{
    private readonly TestEngine _engine = new();

    [Fact]
    public async Task GetCredentialsAsync_1000ConcurrentColdCallers_MakeExactlyOneStsCall()
    {
        _engine.Sts.Gate = new TaskCompletionSource();
        using var provider = _engine.Create();

        var callers = Enumerable.Range(0, 1000)
            .Select(_ => Task.Run(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken)))
            .ToArray();
        Assert.True(_engine.Sts.WaitForCalls(1));
        _engine.Sts.Gate.SetResult();
        var results = await Task.WhenAll(callers);

        Assert.Equal(1, _engine.Sts.CallCount);
        Assert.All(results, r => Assert.Same(results[0], r));
    }

    [Fact]
    public async Task GetCredentialsAsync_64CallersDuringSlowBackgroundRefresh_NoneWaits()
    {
        using var provider = _engine.Create();
        var first = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        // STS now takes "3 s": the call does not answer until the gate opens, which happens only after all callers.
        _engine.Sts.Gate = new TaskCompletionSource();
        _engine.Time.Advance(TimeSpan.FromMinutes(46));
        var calls = Enumerable.Range(0, 64)
            .Select(_ => Task.Run(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken)))
            .ToArray();
        var results = await Task.WhenAll(calls);

        Assert.All(calls, c => Assert.True(c.IsCompletedSuccessfully));
        Assert.All(results, r => Assert.Same(first, r));
        Assert.True(_engine.Sts.WaitForCalls(2));
        Assert.Equal(2, _engine.Sts.CallCount);
        _engine.Time.Advance(TimeSpan.FromSeconds(3));
        _engine.Sts.Gate.SetResult();
        await TestEngine.SettleAsync(provider);
        Assert.NotSame(first, provider.GetCredentials());
    }

    [Fact]
    public async Task Cancellation_OneCallerCancels_SharedFetchContinuesForOthers()
    {
        _engine.Sts.Gate = new TaskCompletionSource();
        using var provider = _engine.Create();
        using var cts = new CancellationTokenSource();

        var cancelled = provider.GetCredentialsAsync(cts.Token);
        var patient = provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        Assert.True(_engine.Sts.WaitForCalls(1));
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.False(patient.IsCompleted);
        _engine.Sts.Gate.SetResult();
        Assert.NotNull(await patient);
        Assert.Equal(1, _engine.Sts.CallCount);
    }

    [Fact]
    public async Task Dispose_ThenGetCredentials_ThrowsObjectDisposed()
    {
        var provider = _engine.Create();
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        provider.Dispose();
        provider.Dispose();

        Assert.Throws<ObjectDisposedException>(() => provider.GetCredentials());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => provider.GetCredentialsAsync());
    }

    [Fact]
    public async Task Dispose_LastProvider_StopsProactiveRefreshAndIdleSessionIsEvicted()
    {
        var provider = _engine.Create();
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        var session = provider.Session;

        provider.Dispose();
        _engine.Time.Advance(TimeSpan.FromHours(3));

        Assert.Equal(1, _engine.Sts.CallCount);
        Assert.True(session.IsDisposed);
        Assert.Equal(0, _engine.Cache.Count);
    }

    [Fact]
    public async Task Dispose_DuringInFlightRefresh_SessionEvictedOnceTheFetchEnds()
    {
        // Eviction waits for a running refresh (its callers may belong to a provider reloaded onto another session:
        // IssuesTests.EvictedWhileRefreshing); the fetch is bounded by its own timeout, and the next sweep takes it.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _engine.Sts.Gate = gate;
        var provider = _engine.Create(o => o.StsRequestTimeout = TimeSpan.FromDays(1));
        var waiting = provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        Assert.True(_engine.Sts.WaitForCalls(1));
        var session = provider.Session;

        provider.Dispose();
        _engine.Time.Advance(AssumeRoleDefaults.SessionIdleTimeout);
        _engine.Cache.Sweep();
        Assert.False(session.IsDisposed);

        gate.SetResult();
        await waiting.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        _engine.Time.Advance(AssumeRoleDefaults.SessionIdleTimeout);
        _engine.Cache.Sweep();

        Assert.True(session.IsDisposed);
        Assert.Equal(0, _engine.Cache.Count);
    }

    [Fact]
    public void Dispose_CacheDisposedDuringInFlightRefresh_CancelsTheFetch()
    {
        _engine.Sts.Gate = new TaskCompletionSource();
        var provider = _engine.Create(o => o.StsRequestTimeout = TimeSpan.FromDays(1));
        var waiting = provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        Assert.True(_engine.Sts.WaitForCalls(1));
        var session = provider.Session;

        provider.Dispose();
        _engine.Cache.Dispose();

        Assert.True(session.IsDisposed);
        Assert.True(SpinWait.SpinUntil(() => waiting.IsCompleted, TimeSpan.FromSeconds(30)));
        Assert.IsAssignableFrom<ObjectDisposedException>(waiting.Exception?.InnerException);
    }

    [Fact]
    public async Task Sharing_20ProvidersOfOneRole_MakeOneStsCall()
    {
        var providers = Enumerable.Range(0, 20).Select(_ => _engine.Create()).ToList();

        foreach (var p in providers)
        {
            await p.GetCredentialsAsync(TestContext.Current.CancellationToken);
        }

        Assert.Equal(1, _engine.Sts.CallCount);
        Assert.Single(providers.Select(p => p.Session).Distinct());
        providers.ForEach(p => p.Dispose());
    }

    [Fact]
    public async Task Sharing_DifferentSourcePrincipals_NeverShareSessions()
    {
        using var a = _engine.Create(source: TestEngine.Source("AKIAEXAMPLESOURCEAA"));
        using var b = _engine.Create(source: TestEngine.Source("AKIAEXAMPLESOURCEBB"));

        // Same access key, different secret: a different principal too (a wrong secret must not borrow a session).
        using var c = _engine.Create(source: new Amazon.Runtime.BasicAWSCredentials("AKIAEXAMPLESOURCEAA", "another-secret"));

        var ca = await a.GetCredentialsAsync(TestContext.Current.CancellationToken);
        var cb = await b.GetCredentialsAsync(TestContext.Current.CancellationToken);
        var cc = await c.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.Equal(3, _engine.Sts.CallCount);
        Assert.Equal(3, new[] { ca.AccessKey, cb.AccessKey, cc.AccessKey }.Distinct().Count());
    }

    [Fact]
    public async Task Sharing_DifferentRequestParameters_GetDifferentSessions()
    {
        using var a = _engine.Create(o => o.Tags["team"] = "a");
        using var b = _engine.Create(o => o.Tags["team"] = "b");
        using var c = _engine.Create(o => o.DurationSeconds = 7200);

        await a.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await b.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await c.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.Equal(3, _engine.Sts.CallCount);
    }

    [Fact]
    public async Task Eviction_OverSizeLimit_EvictsLeastRecentlyUsedUnleasedSessions()
    {
        _engine.Cache.MaxSessions = 2;
        var providers = new List<AssumeRoleCredentials>();
        for (var i = 0; i < 5; i++)
        {
            var p = _engine.Create(o => o.RoleArn = $"arn:aws:iam::123456789012:role/R{i}");
            await p.GetCredentialsAsync(TestContext.Current.CancellationToken);
            providers.Add(p);
            _engine.Time.Advance(TimeSpan.FromSeconds(1));
        }

        providers.ForEach(p => p.Dispose());
        _engine.Cache.Sweep();

        Assert.Equal(2, _engine.Cache.Count);
        Assert.True(_engine.Cache.TryGet(providers[4].SessionKey, out _));
        Assert.False(_engine.Cache.TryGet(providers[0].SessionKey, out _));
    }

    [Fact]
    public async Task Eviction_LeasedSession_IsNeverEvicted()
    {
        _engine.Cache.MaxSessions = 0;
        using var provider = _engine.Create();
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        _engine.Time.Advance(TimeSpan.FromHours(5));
        _engine.Cache.Sweep();

        Assert.Equal(1, _engine.Cache.Count);
        Assert.NotNull(await provider.GetCredentialsAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Eviction_UnleasedSessionReused_BeforeIdleTimeout()
    {
        var first = _engine.Create();
        await first.GetCredentialsAsync(TestContext.Current.CancellationToken);
        first.Dispose();
        _engine.Time.Advance(TimeSpan.FromMinutes(5));

        using var second = _engine.Create();
        await second.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, _engine.Sts.CallCount);
    }

    [Fact]
    public async Task ToString_OfProviderAndState_ContainsNoSecrets()
    {
        using var provider = _engine.Create(o => o.ExternalId = "very-secret-external-id");
        var credentials = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        var texts = new[] { provider.ToString(), provider.Session.ToString(), provider.Session.State!.ToString() };

        Assert.All(texts, t =>
        {
            Assert.DoesNotContain(credentials.SecretKey, t);
            Assert.DoesNotContain(credentials.Token, t);
            Assert.DoesNotContain("very-secret-external-id", t);
        });
    }
}
