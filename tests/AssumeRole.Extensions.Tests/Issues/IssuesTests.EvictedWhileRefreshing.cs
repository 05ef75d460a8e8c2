using AssumeRole.Extensions.Tests.Fakes;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Found by the simulation (seed 92; seed 188 is the same eviction): a caller waited for its provider's refresh, the
/// provider was reloaded onto another role meanwhile (its old session lost its last lease), and a sweep evicted the old
/// session as idle while the refresh still ran. Eviction disposed it, the refresh was cancelled, and the caller got an
/// <see cref="ObjectDisposedException"/> from a provider nobody had disposed, instead of the refresh's outcome. A session
/// is no longer evicted while a refresh runs; the next sweep after it ends takes it.
/// </summary>
public sealed class IssuesTestsEvictedWhileRefreshing
{
    [Fact]
    public async Task Sweep_ProviderReloadedWhileItsCallerWaits_CallerGetsTheRefreshOutcome()
    {
        var engine = new TestEngine();
        engine.Cache.IdleTimeout = TimeSpan.FromMinutes(1);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        engine.Sts.Gate = gate;
        // The STS call outlasts the advances below: a request timeout of a day (it runs on the fake clock too).
        var provider = engine.Create(o => o.StsRequestTimeout = TimeSpan.FromDays(1));
        var old = provider.Session;
        var waiting = provider.GetCredentialsAsync(CancellationToken.None);
        Assert.True(engine.Sts.WaitForCalls(1));

        provider.Reconfigure(
            new AssumeRoleOptions { RoleArn = TestEngine.RoleArn + "Other", RoleSessionName = "test-session", SourceCredentials = TestEngine.Source(), MaxStsRetries = 0, StsRequestTimeout = TimeSpan.FromDays(1) },
            engine.Context);
        Assert.Equal(0, old.Leases);

        // Idle by the clock (the sweep timer fires during the advance), but its refresh still runs for the caller.
        engine.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(0, engine.Cache.Sweep());
        Assert.False(old.IsDisposed);

        gate.SetResult();
        var credentials = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(TestEngine.RoleArn, engine.Sts.Calls[0].RoleArn);
        Assert.False(string.IsNullOrEmpty(credentials.AccessKey));

        // Once the refresh has ended, the unheld session goes at the next sweep.
        engine.Time.Advance(TimeSpan.FromMinutes(2));
        engine.Cache.Sweep();
        Assert.True(old.IsDisposed);
        provider.Dispose();
    }
}
