using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Tests.Fakes;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Review of 15f3cb7 (background refreshes re-check the state under the session's lock). <c>OnTimer</c> reads the state,
/// then <c>TryStartBackgroundRefresh</c> returns without a refresh when another state has been published since and is
/// not yet due. That is right only if whoever published that state armed the proactive timer again: a finishing refresh
/// does, but <c>OnClockStepUndone</c> (a wall step undone, from the suspend heartbeat) does not while a backoff holds
/// the timer (<c>_failures &gt; 0</c>) — it counts on the backoff timer. When that backoff timer is the one firing (it
/// has already claimed and disarmed its entry), nobody re-arms it: the leased session is left with no proactive refresh
/// at all. Before 15f3cb7 the backoff retry ran (and its end re-armed the timer).
/// </summary>
/// <remarks>
/// The window (between <c>OnTimer</c>'s read of the state and the session's lock) is held open as in
/// <c>IssuesTestsAdvisoryCallerRacesPublication</c>: the test takes the session's lock, lets the backoff timer run up
/// to it, and publishes the postponed state by calling <c>OnClockStepUndone</c> itself (the lock is re-entrant), as
/// the heartbeat's <c>SessionCache.OnClockStepUndone</c> does on its own timer thread in production.
/// </remarks>
public sealed class IssuesTestsBackoffTimerLostToUndoneStep
{
    private readonly TestEngine _engine = new();

    [Fact]
    public async Task OnTimer_UndoneStepPublishedWhileBackoffTimerWaitsForTheLock_ProactiveRefreshStillRuns()
    {
        using var provider = _engine.Create();
        var session = provider.Session;
        var first = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        var issued = session.State!;
        Assert.Equal(1, _engine.Sts.CallCount);

        // The proactive refresh at the refresh point fails: a backoff (30 s, well before the mandatory point) holds the
        // timer, which is armed for the retry.
        _engine.Sts.FailNext(FakeSts.Throttling());
        await _engine.AdvanceAsync(TimeSpan.FromMilliseconds(issued.RefreshAtMs - session.Clock.NowMs), provider);
        Assert.Equal(2, _engine.Sts.CallCount);
        Assert.Same(issued, session.State);
        var retryAt = SessionLock.DueMsOf(session);
        Assert.NotEqual(RefreshScheduler.NotScheduled, retryAt);
        Assert.True(retryAt < issued.MandatoryAtMs);

        var gate = SessionLock.GateOf(session);
        SessionState postponed;
        var (timerThread, timerDone) = SessionLock.NewThread(() => _engine.Time.Advance(TimeSpan.FromMilliseconds(retryAt - session.Clock.NowMs)));
        Monitor.Enter(gate);
        try
        {
            timerThread.Start();

            // The backoff timer has claimed its entry (_dueMs disarmed), read the state and blocks on the session's lock.
            Assert.True(
                SessionLock.BlockedWhen(timerThread, () => SessionLock.DueMsOf(session) == RefreshScheduler.NotScheduled),
                "The backoff timer never blocked on the session's lock.");

            // A wall step of 2 minutes counted as missed time is undone: the held credentials get their refresh point 2
            // minutes later (past now, before the mandatory point). With a backoff running, the timer is not re-armed.
            session.OnClockStepUndone((long)TimeSpan.FromMinutes(2).TotalMilliseconds, session.Clock.OffsetMs);
            postponed = session.State!;
        }
        finally
        {
            Monitor.Exit(gate);
        }

        await timerDone.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await TestEngine.SettleAsync(provider);
        Assert.NotSame(issued, postponed);
        Assert.Same(first, postponed.Credentials);
        Assert.True(session.Clock.NowMs < postponed.RefreshAtMs && postponed.RefreshAtMs < postponed.MandatoryAtMs);

        // Nobody calls: only the proactive timer can refresh the leased session. Past the postponed refresh point (and
        // still before the mandatory point) the retry must have run — at once, as before 15f3cb7, or at that point from
        // a re-armed timer; with the timer lost, no STS call is made and the next caller after the mandatory point has
        // to wait for a refresh.
        await _engine.AdvanceAsync(TimeSpan.FromMilliseconds(postponed.RefreshAtMs - session.Clock.NowMs + 1000), provider);
        await TestEngine.SettleAsync(provider);
        Assert.True(session.Clock.NowMs < postponed.MandatoryAtMs);
        Assert.True(
            _engine.Sts.CallCount == 3,
            $"{_engine.Sts.CallCount} STS calls, not 3: the leased session had no proactive refresh armed (the backoff timer was spent and nothing re-armed it).");
        Assert.NotSame(first, provider.GetCredentials());
    }
}
