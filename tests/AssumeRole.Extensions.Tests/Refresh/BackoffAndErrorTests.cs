using AssumeRole.Extensions.Sts;
using AssumeRole.Extensions.Tests.Fakes;

namespace AssumeRole.Extensions.Tests.Refresh;

public sealed class BackoffAndErrorTests
{
    private readonly TestEngine _engine = new();

    [Fact]
    public async Task FailedBackgroundRefresh_StsDown_KeepsServingValidCredentials()
    {
        using var provider = _engine.Create();
        var first = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        _engine.Sts.Always = _ => FakeSts.Internal();

        await _engine.AdvanceAsync(TimeSpan.FromMinutes(46), provider);

        Assert.Equal(2, _engine.Sts.CallCount);
        Assert.Same(first, provider.GetCredentials());
        Assert.Same(first, await provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

        // While the backoff holds, callers in the advisory window get the state's cached task: nothing allocated.
        Assert.Same(provider.Session.State!.CredentialsTask, provider.GetCredentialsAsync());
    }

    [Fact]
    public async Task Backoff_RepeatedFailures_Waits30ThenDoublesWithinCap()
    {
        // 3-hour session: advisory 60 min, mandatory 1 min → at the refresh point 59 min remain before the mandatory
        // window, so the half-time-left cap (29.5 min) does not bite the first steps.
        _engine.Sts.Lifetime = TimeSpan.FromHours(3);
        using var provider = _engine.Create();
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        _engine.Sts.Always = _ => FakeSts.Internal();

        await _engine.AdvanceAsync(TimeSpan.FromMinutes(120), provider);
        Assert.Equal(2, _engine.Sts.CallCount);

        // Jitter 0 → exactly 30 s, then 60 s, then 120 s. Callers in the advisory window do not bypass the backoff.
        foreach (var (wait, expected) in new[] { (29.9, 2), (0.2, 3), (59.8, 3), (0.2, 4), (119.8, 4), (0.2, 5) })
        {
            await _engine.AdvanceAsync(TimeSpan.FromSeconds(wait), provider);
            provider.GetCredentials();
            await TestEngine.SettleAsync(provider);
            Assert.Equal(expected, _engine.Sts.CallCount);
        }
    }

    [Fact]
    public async Task Backoff_NearMandatoryWindow_IsCappedByHalfTheTimeLeft()
    {
        using var provider = _engine.Create();
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        _engine.Sts.Always = _ => FakeSts.Internal();

        // 58 min: 1 min before the mandatory window (59 min). Backoff would be 30 s; half the time left is 30 s too,
        // so check at a point where the cap is smaller: 58.5 min → 30 s left → retry within 15 s.
        provider.Session.ReleaseLease();
        await _engine.AdvanceAsync(TimeSpan.FromMinutes(58.5), provider);
        provider.Session.TryAddLease();
        provider.GetCredentials();
        await TestEngine.SettleAsync(provider);
        Assert.Equal(2, _engine.Sts.CallCount);

        await _engine.AdvanceAsync(TimeSpan.FromSeconds(15.1), provider);

        Assert.Equal(3, _engine.Sts.CallCount);
    }

    [Fact]
    public void NextBackoff_Schedule_IsExponentialCappedAndJitteredOnlyUpward()
    {
        using var provider = _engine.Create();
        var session = provider.Session;

        Assert.Equal(30_000, session.NextBackoffMs(1, null, 0));
        Assert.Equal(60_000, session.NextBackoffMs(2, null, 0));
        Assert.Equal(300_000, session.NextBackoffMs(5, null, 0));
        Assert.Equal(300_000, session.NextBackoffMs(40, null, 0));

        _engine.Jitter = 0.999;
        Assert.InRange(session.NextBackoffMs(1, null, 0), 30_000, 37_500);
    }

    [Fact]
    public async Task PermanentError_Cold_SurfacesAtOnceWithRoleCodeAndRequestId()
    {
        _engine.Sts.Always = r => FakeSts.AccessDenied(r.RoleArn);
        using var provider = _engine.Create(o => o.MaxStsRetries = 3);

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

        Assert.Equal(1, _engine.Sts.CallCount);
        Assert.Equal("AccessDenied", ex.ErrorCode);
        Assert.Equal(TestEngine.RoleArn, ex.RoleArn);
        Assert.False(ex.IsTransient);
        Assert.NotNull(ex.RequestId);
        Assert.Contains(ex.RequestId!, ex.Message);
        Assert.Contains(TestEngine.RoleArn, ex.Message);
    }

    [Fact]
    public async Task PermanentError_HotLoop_IsAnsweredFromMemoryForFiveSeconds()
    {
        _engine.Sts.Always = r => FakeSts.AccessDenied(r.RoleArn);
        using var provider = _engine.Create();
        await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

        for (var i = 0; i < 100; i++)
        {
            Assert.Throws<AssumeRoleException>(() => provider.GetCredentials());
        }

        Assert.Equal(1, _engine.Sts.CallCount);
        _engine.Time.Advance(TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, _engine.Sts.CallCount);
    }

    [Fact]
    public async Task TransientError_Cold_IsRememberedForOneSecondOnly()
    {
        _engine.Sts.Always = _ => FakeSts.Throttling();
        using var provider = _engine.Create();
        await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));
        Assert.Equal(1, _engine.Sts.CallCount);

        _engine.Sts.Always = null;
        _engine.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.NotNull(await provider.GetCredentialsAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, _engine.Sts.CallCount);
    }

    [Fact]
    public async Task TransientError_WithRetries_IsRetriedInsideOneAttempt()
    {
        _engine.Sts.FailNext(FakeSts.Throttling());
        _engine.Sts.FailNext(FakeSts.Internal());
        using var provider = _engine.Create(o => o.MaxStsRetries = 2);

        var pending = provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        // Polly waits on the fake clock between tries: keep moving it until the attempt completes. The short real
        // wait only lets the thread pool run the retry; the delays themselves pass on the fake clock. The bound is
        // real time, not a number of steps: on a busy machine the retry may not even have started after many steps,
        // and a step count that runs out would leave the retry's delay unfired and the await below hanging.
        // The fake clock moves at most 10 minutes in all: far past the retry delays, far short of the refresh point.
        // The pause is a timer (Task.Delay), not Thread.Sleep: under libfaketime (CI's shifted-clock run) every timed
        // blocking wait returns at once, so Thread.Sleep pacing spent the 10 minutes before the retry had even started
        // and its delay was never reached; timers run on the real monotonic clock there too.
        var bound = System.Diagnostics.Stopwatch.StartNew();
        var advanced = TimeSpan.Zero;
        while (!pending.IsCompleted && bound.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (advanced < TimeSpan.FromMinutes(10))
            {
                _engine.Time.Advance(TimeSpan.FromMilliseconds(100));
                advanced += TimeSpan.FromMilliseconds(100);
            }

            await Task.Delay(2, TestContext.Current.CancellationToken);
        }

        Assert.True(pending.IsCompleted, "The attempt did not complete within 60 s of real time.");
        Assert.NotNull(await pending);
        Assert.Equal(3, _engine.Sts.CallCount);
    }

    [Theory]
    [InlineData("AccessDenied")]
    [InlineData("ValidationError")]
    [InlineData("MalformedPolicyDocument")]
    [InlineData("PackedPolicyTooLarge")]
    [InlineData("RegionDisabledException")]
    public async Task PermanentError_WithRetriesConfigured_IsNotRetried(string code)
    {
        _engine.Sts.Always = _ => new StsCallException(code, "refused", System.Net.HttpStatusCode.BadRequest, "rid", isTransient: StsCallException.IsTransientCode(code));
        using var provider = _engine.Create(o => o.MaxStsRetries = 3);

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

        Assert.Equal(code, ex.ErrorCode);
        Assert.Equal(1, _engine.Sts.CallCount);
    }

    [Fact]
    public async Task ValidationError_EchoingExternalId_TextWithheldFromException()
    {
        const string externalId = "tenant-secret-external-id-42";
        _engine.Sts.Always = _ => new StsCallException(
            "ValidationError", $"1 validation error detected: Value '{externalId}' at 'externalId' failed to satisfy constraint", System.Net.HttpStatusCode.BadRequest, "rid", false);
        using var provider = _engine.Create(o => o.ExternalId = externalId);

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

        Assert.DoesNotContain(externalId, ex.ToString());
        Assert.Contains("(STS's message text is withheld", ex.Message);
    }
}
