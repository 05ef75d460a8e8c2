using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Tests.Fakes;
using Amazon.Runtime;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Review of the cold-callers change (issue 12): the race it closed for cold and mandatory callers has a twin in the
/// advisory window. <c>ServableState</c> reads the state without the lock and finds it past its refresh point;
/// <c>TryStartBackgroundRefresh</c> checks <c>_inflight</c> and <c>_nextAttemptAtMs</c> without the lock, takes the
/// lock and checks them again — but never re-checks the state. A refresh that published (and cleared
/// <c>_inflight</c>) between the caller's read of the state and its read of <c>_inflight</c> is followed at once by a
/// second background refresh: one more STS call for credentials that were just fetched. The proactive timer
/// (<c>OnScheduled</c> → <c>OnTimer</c> → <c>TryStartBackgroundRefresh</c>) has the same shape.
/// </summary>
/// <remarks>
/// The window is a few instructions wide, so the tests hold it open as <c>IssuesTestsColdCallerRacesPublication</c>
/// does: they take the session's lock (by reflection), let the timer (and an advisory-window caller) run up to that
/// lock, publish fresh credentials the way a finishing refresh does, then let them in. The caller's own answer (the old
/// credentials, still before the mandatory window) is right; the extra STS calls are the defect (with both waiting,
/// each starts one in turn when the one before has already finished: 3 calls in all).
/// </remarks>
public sealed class IssuesTestsAdvisoryCallerRacesPublication
{
    private readonly TestEngine _engine = new();

    /// <summary>
    /// The proactive timer fires at the refresh point (it has claimed its entry: <c>_dueMs</c> is disarmed) and waits for
    /// the session's lock while a refresh started by an advisory-window caller publishes; it then starts a second one.
    /// </summary>
    [Fact]
    public async Task ProactiveTimer_RefreshPublishesWhileTimerWaitsForTheLock_NoSecondStsCall()
    {
        using var provider = _engine.Create();
        var session = provider.Session;
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, _engine.Sts.CallCount);
        Assert.Null(session.PendingRefresh);
        var armedAt = SessionLock.DueMsOf(session);
        Assert.NotEqual(RefreshScheduler.NotScheduled, armedAt);

        var gate = SessionLock.GateOf(session);
        var published = new ImmutableCredentials("ASIAPUBLISHED0000002", "published-secret", "published-token");

        // The fake clock runs timer callbacks on the thread that advances it: a thread of the test's own.
        var (timerThread, timerDone) = SessionLock.NewThread(() => _engine.Time.Advance(TimeSpan.FromMinutes(46)));

        Monitor.Enter(gate);
        try
        {
            timerThread.Start();

            // The timer has claimed its entry (OnScheduled disarms _dueMs) and is blocked: past OnTimer's lease check,
            // the only lock on its way is the session's, in TryStartBackgroundRefresh.
            Assert.True(
                SessionLock.BlockedWhen(timerThread, () => SessionLock.DueMsOf(session) == RefreshScheduler.NotScheduled),
                "The timer never blocked on the session's lock.");

            SessionLock.PublishFresh(session, published, _engine.Time);
        }
        finally
        {
            Monitor.Exit(gate);
        }

        await timerDone.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        // Let any refresh the timer started finish, then count: the credentials published while it waited are fresh
        // (45 minutes before their refresh point), so no STS call is due.
        await TestEngine.SettleAsync(provider);
        Assert.Equal(1, _engine.Sts.CallCount);
        Assert.Same(published, provider.GetCredentials());
    }

    /// <summary>
    /// At the refresh point the proactive timer and an advisory-window caller both find nothing in flight and wait for
    /// the session's lock while a refresh publishes: whichever takes the lock first starts a second STS call.
    /// </summary>
    [Fact]
    public async Task GetCredentialsAsync_RefreshPublishesWhileAdvisoryCallerAndTimerWaitForTheLock_NoSecondStsCall()
    {
        using var provider = _engine.Create();
        var session = provider.Session;
        var first = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, _engine.Sts.CallCount);

        var gate = SessionLock.GateOf(session);
        var published = new ImmutableCredentials("ASIAPUBLISHED0000003", "published-secret", "published-token");
        var (timerThread, timerDone) = SessionLock.NewThread(() => _engine.Time.Advance(TimeSpan.FromMinutes(46)));
        var (caller, answer) = SessionLock.NewCaller(provider);

        Monitor.Enter(gate);
        try
        {
            timerThread.Start();
            Assert.True(
                SessionLock.BlockedWhen(timerThread, () => SessionLock.DueMsOf(session) == RefreshScheduler.NotScheduled),
                "The timer never blocked on the session's lock.");

            // The caller, in the advisory window with nothing in flight, records its use (ServableState's first
            // statement, at the advanced time) and blocks on the same lock.
            var lastUsedBefore = session.LastUsedMs;
            caller.Start();
            Assert.True(
                SessionLock.BlockedWhen(caller, () => session.LastUsedMs != lastUsedBefore),
                "The caller never blocked on the session's lock.");

            SessionLock.PublishFresh(session, published, _engine.Time);
        }
        finally
        {
            Monitor.Exit(gate);
        }

        var credentials = await answer.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await timerDone.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        // The caller read the old credentials before the publication; they are still before the mandatory window.
        Assert.Same(first, credentials);
        await TestEngine.SettleAsync(provider);
        Assert.Equal(1, _engine.Sts.CallCount);
        Assert.Same(published, provider.GetCredentials());
    }
}
