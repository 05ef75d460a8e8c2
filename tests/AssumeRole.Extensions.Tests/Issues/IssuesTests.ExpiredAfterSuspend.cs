using AssumeRole.Extensions.Tests.Fakes;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// <see cref="Environment.TickCount64"/> (and every monotonic clock .NET offers on Linux and macOS) stops while the
/// machine sleeps or the VM is paused. A laptop that slept past expiry woke up serving expired credentials from the warm
/// path until the monotonic refresh point — up to ~45 minutes for a 1-hour session — and no <c>ExpiredToken</c> ever
/// reached the engine. The suspend is modelled with a clock whose wall time (and STS's) moves while the monotonic
/// timestamp and the timers stand still.
/// </summary>
public sealed class IssuesTestsExpiredAfterSuspend
{
    /// <summary>SuspendMonitor.Period: how long a resumed process may still serve what it held.</summary>
    private static readonly TimeSpan HeartbeatPeriod = TimeSpan.FromSeconds(1);

    private readonly SuspendableTimeProvider _clock = new(TestEngine.RealNow());
    private readonly TestEngine _engine;

    public IssuesTestsExpiredAfterSuspend() => _engine = new TestEngine(clock: _clock);

    [Fact]
    public async Task GetCredentials_SuspendedPastExpiry_NotHandedOutOneHeartbeatAfterResume()
    {
        using var provider = _engine.Create();
        var first = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        var expiry = provider.Expiration!.Value;

        _clock.Suspend(TimeSpan.FromHours(2));
        _clock.Advance(HeartbeatPeriod);

        var sync = await Task.Run(provider.GetCredentials, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        var async = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.NotSame(first, sync);
        Assert.Same(sync, async);
        Assert.True(_clock.GetUtcNow().UtcDateTime > expiry, "the first credentials have expired by the wall clock");
        Assert.True(provider.Expiration > _clock.GetUtcNow().UtcDateTime + AssumeRoleDefaults.MandatoryRefreshWindow);
        Assert.Equal(2, _engine.Sts.CallCount);
    }

    [Fact]
    public async Task GetCredentials_SuspendedIntoTheMandatoryWindowWhileStsIsDown_FailsInsteadOfServingThem()
    {
        using var provider = _engine.Create();
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        // 59.5 minutes of sleep: 30 s left, inside the 1-minute mandatory window by the wall clock.
        _engine.Sts.Always = _ => FakeSts.Internal();
        _clock.Suspend(TimeSpan.FromMinutes(59.5));
        await _engine.AdvanceAllAsync(HeartbeatPeriod);

        await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));
    }
}
