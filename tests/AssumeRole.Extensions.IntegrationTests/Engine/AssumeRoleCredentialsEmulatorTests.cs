using System.Net;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Testing;
using Microsoft.Extensions.Time.Testing;

namespace AssumeRole.Extensions.IntegrationTests.Engine;

/// <summary>The provider end to end: the real SDK client signs real SigV4 against the emulator over loopback.</summary>
public sealed class AssumeRoleCredentialsEmulatorTests : IAsyncLifetime
{
    private const string RoleArn = "arn:aws:iam::123456789012:role/app/Reader";

    private EmulatorFixture _sts = null!;
    private EmulatedUser _alice = null!;

    public async ValueTask InitializeAsync()
    {
        _sts = await EmulatorFixture.StartAsync();
        _alice = _sts.Emulator.AddUser("alice");
        _sts.Emulator.AddRole(RoleArn);
    }

    public ValueTask DisposeAsync() => _sts.DisposeAsync();

    private AssumeRoleOptions Options(Action<AssumeRoleOptions>? configure = null)
    {
        var options = new AssumeRoleOptions
        {
            RoleArn = RoleArn,
            RoleSessionName = "it-session",
            SourceCredentials = new BasicAWSCredentials(_alice.AccessKeyId, _alice.SecretAccessKey),
            ServiceUrl = _sts.Emulator.Endpoint.ToString(),
            Region = "us-east-1",
        };
        configure?.Invoke(options);
        return options;
    }

    [Fact]
    public async Task GetCredentials_AgainstEmulator_AssumedCredentialsIdentifyAsTheRoleSession()
    {
        using var provider = new AssumeRoleCredentials(Options(), new FakeTimeProvider(_sts.Time.GetUtcNow()), null);

        var credentials = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        using var client = new AmazonSecurityTokenServiceClient(provider, _sts.Config());
        var identity = await client.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken);

        Assert.StartsWith("ASIA", credentials.AccessKey, StringComparison.Ordinal);
        Assert.Equal("arn:aws:sts::123456789012:assumed-role/Reader/it-session", identity.Arn);
        Assert.Equal(identity.Arn, provider.AssumedRoleArn);
        Assert.Equal("123456789012", credentials.AccountId);
    }

    [Fact]
    public async Task Lifetime_LocalClockTenMinutesAhead_IsMeasuredOnTheServersDateHeader()
    {
        var local = new FakeTimeProvider(_sts.Time.GetUtcNow().AddMinutes(10));
        using var provider = new AssumeRoleCredentials(Options(), local, null);

        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        var state = provider.Session.State!;

        // Read against the local clock, Expiration (server now + 1 h) would leave 50 min; the Date header says 60.
        Assert.InRange(state.ExpiresAtMs - provider.Session.Clock.NowMs, TimeSpan.FromMinutes(59).TotalMilliseconds, TimeSpan.FromMinutes(60).TotalMilliseconds);
        Assert.Equal(TimeSpan.FromMinutes(15).TotalMilliseconds, state.ExpiresAtMs - state.RefreshAtMs, 0.2 * TimeSpan.FromMinutes(15).TotalMilliseconds);
    }

    [Fact]
    public async Task Sharing_TwentyProvidersOfOneRole_MakeOneAssumeRoleCall()
    {
        var time = new FakeTimeProvider(_sts.Time.GetUtcNow());
        var providers = Enumerable.Range(0, 20).Select(_ => new AssumeRoleCredentials(Options(), time, null)).ToList();

        var all = await Task.WhenAll(providers.Select(p => p.GetCredentialsAsync(TestContext.Current.CancellationToken)));

        Assert.Equal(1, _sts.Emulator.CountCalls("AssumeRole", RoleArn));
        Assert.Single(all.Select(c => c.AccessKey).Distinct());
        providers.ForEach(p => p.Dispose());
    }

    [Fact]
    public async Task TransientFaults_ThrottlingThenInternalFailure_AreRetriedWithinOneAttempt()
    {
        _sts.Emulator.Faults.Add(StsFault.Throttling(times: 1, action: "AssumeRole"));
        _sts.Emulator.Faults.Add(StsFault.InternalFailure(times: 1, action: "AssumeRole"));
        using var provider = new AssumeRoleCredentials(Options(o => o.MaxStsRetries = 2), TimeProvider.System, null);

        var credentials = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.NotNull(credentials.Token);
        Assert.Equal(3, _sts.Emulator.CountCalls("AssumeRole", RoleArn));
    }

    [Fact]
    public async Task ConnectionReset_IsTransientAndRetried()
    {
        _sts.Emulator.Faults.Add(StsFault.ConnectionReset(times: 1, action: "AssumeRole"));
        using var provider = new AssumeRoleCredentials(Options(o => o.MaxStsRetries = 1), TimeProvider.System, null);

        Assert.NotNull(await provider.GetCredentialsAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AccessDenied_UntrustedUser_ThrowsTypedExceptionWithStsRequestId()
    {
        var mallory = _sts.Emulator.AddUser("mallory", "210987654321");
        using var provider = new AssumeRoleCredentials(
            Options(o => { o.SourceCredentials = new BasicAWSCredentials(mallory.AccessKeyId, mallory.SecretAccessKey); o.MaxStsRetries = 3; }),
            TimeProvider.System,
            null);

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

        var call = Assert.Single(_sts.Emulator.Calls);
        Assert.Equal("AccessDenied", ex.ErrorCode);
        Assert.Equal(HttpStatusCode.Forbidden, ex.StatusCode);
        Assert.Equal(call.RequestId, ex.RequestId);
        Assert.Equal(RoleArn, ex.RoleArn);
        Assert.False(ex.IsTransient);
        Assert.Contains("is not authorized to perform: sts:AssumeRole", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExternalId_Wrong_DeniedAndNeverInTheException()
    {
        _sts.Emulator.AddRole("arn:aws:iam::123456789012:role/Tenant", r => r.RequiredExternalId = "right-external-id");
        using var provider = new AssumeRoleCredentials(
            Options(o => { o.RoleArn = "arn:aws:iam::123456789012:role/Tenant"; o.ExternalId = "wrong-external-id"; }),
            TimeProvider.System,
            null);

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

        Assert.Equal("AccessDenied", ex.ErrorCode);
        Assert.DoesNotContain("wrong-external-id", ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("right-external-id", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refresh_ShortEmulatedSessions_ProactiveTimerFetchesNewCredentialsBeforeExpiry()
    {
        _sts.Emulator.AddRole("arn:aws:iam::123456789012:role/Short", r => r.SessionLifetimeOverride = TimeSpan.FromMinutes(15));

        // Provider and emulator share one fake clock so that the emulator's expiry and our refresh point agree.
        using var provider = new AssumeRoleCredentials(Options(o => o.RoleArn = "arn:aws:iam::123456789012:role/Short"), _sts.Time, null);
        var first = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        // 15 min session → advisory 5 min (+ up to 1 min jitter): by 10 min a refresh has started.
        _sts.Time.Advance(TimeSpan.FromMinutes(10));
        if (provider.Session.PendingRefresh is { } pending)
        {
            await pending.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        }

        var second = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        Assert.NotEqual(first.AccessKey, second.AccessKey);
        Assert.Equal(2, _sts.Emulator.CountCalls("AssumeRole", "arn:aws:iam::123456789012:role/Short"));
    }

    [Theory]
    [InlineData(6)]
    [InlineData(30)]
    public async Task GetCredentials_SharedFakeClockAdvancedHours_FetchesANewSessionWithNoSkewSetting(int hours)
    {
        // Issue 15 ("a fake clock that advances hours works out of the box"): the provider and the emulator share one
        // FakeTimeProvider; jumping it hours past the session's expiry (30 h: into another day of the signing scope)
        // makes the provider sign a new AssumeRole with the SDK, on the real clock, while the emulator's clock is far ahead.
        using var provider = new AssumeRoleCredentials(Options(), _sts.Time, null);
        var first = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        _sts.Time.Advance(TimeSpan.FromHours(hours));
        var second = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        Assert.NotEqual(first.AccessKey, second.AccessKey);
        Assert.All(_sts.Emulator.Calls, call => Assert.Equal(StsCallRecord.SuccessOutcome, call.Outcome));
        Assert.Equal(2, _sts.Emulator.CountCalls("AssumeRole", RoleArn));
    }
}
