using AssumeRole.Extensions.Caching;
using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Sts;
using AssumeRole.Extensions.Tests.Fakes;
using Amazon.Runtime;
using Microsoft.Extensions.Logging.Abstractions;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// A session whose refresh point lay more than ~49.7 days ahead (an entry read back from a cache with a far expiry, an
/// STS that issues long sessions) made <c>Timer.Change</c> throw an unwrapped <see cref="ArgumentOutOfRangeException"/>
/// from <c>RefreshScheduler.ArmLocked</c>, which reached the caller. Due times beyond what a timer accepts are now
/// clamped and re-armed.
/// </summary>
public sealed class IssuesTestsFarFutureExpiryTimer
{
    [Fact]
    public async Task GetCredentials_SessionDueInSixtyDays_ServedAndRefreshedAtItsRefreshPoint()
    {
        var fake = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TestEngine.RealNow());
        var time = new StrictTimerTimeProvider(fake);
        var sts = new FakeSts(fake) { Lifetime = TimeSpan.FromDays(60) };
        var context = new AssumeRoleContext(time, NullLoggerFactory.Instance, new SessionCache(time), (_, _, _) => (sts, false), new DurationCaps(), () => 0);
        using var provider = new AssumeRoleCredentials(
            new AssumeRoleOptions { RoleArn = TestEngine.RoleArn, RoleSessionName = "far", SourceCredentials = TestEngine.Source(), MaxStsRetries = 0 },
            context);

        var credentials = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        // The refresh point is 60 days - 60 min (advisory window for L >= 90 min) away: the timer wakes up early,
        // finds nothing due, re-arms for the rest, and fires at the refresh point, not before.
        Assert.NotNull(credentials);
        fake.Advance(TimeSpan.FromDays(59));
        Assert.Equal(1, sts.CallCount);
        fake.Advance(TimeSpan.FromDays(1) - TimeSpan.FromMinutes(61));
        Assert.Equal(1, sts.CallCount);
        fake.Advance(TimeSpan.FromMinutes(2));
        Assert.True(sts.WaitForCalls(2), "the proactive refresh never ran");
    }

    [Fact]
    public void Schedule_DueBeyondTimerLimitOnTheSystemClock_ArmsWithoutThrowing()
    {
        // The real clock and the real System.Threading.Timer behind TimeProvider.System.
        var clock = new EngineClock(TimeProvider.System);
        using var scheduler = new RefreshScheduler(clock);
        using var session = new RefreshingSession(
            "far", new NeverFetcher(), clock, SessionSettings.From(new AssumeRoleOptions()), NullLogger.Instance, scheduler: scheduler);

        var dueMs = clock.NowMs + (long)TimeSpan.FromDays(60).TotalMilliseconds;
        scheduler.Schedule(session, dueMs, replacesEntry: false);

        Assert.Equal(1, scheduler.QueuedCount);
    }

    private sealed class NeverFetcher : ISessionFetcher
    {
        public string RoleArn => TestEngine.RoleArn;

        public string Endpoint => "stub";

        public Task<StsCredentials> FetchAsync(CancellationToken cancellationToken) =>
            Task.FromResult(new StsCredentials(new ImmutableCredentials("ASIANEVER", "s", "t"), TimeProvider.System.GetUtcNow().UtcDateTime, null, null, null));

        public void Dispose()
        {
        }
    }
}
