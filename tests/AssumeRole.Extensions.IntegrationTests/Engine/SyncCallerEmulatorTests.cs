using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Testing;
using Microsoft.Extensions.Time.Testing;

namespace AssumeRole.Extensions.IntegrationTests.Engine;

/// <summary>
/// The blocking STS path that a refresh takes when callers wait for it (a sync caller's own thread, or a thread of its
/// own): the SDK's synchronous request pipeline, real SigV4 and HTTP against the emulator.
/// </summary>
public sealed class SyncCallerEmulatorTests : IAsyncLifetime
{
    private const string RoleA = "arn:aws:iam::123456789012:role/sync/A";
    private const string RoleB = "arn:aws:iam::123456789012:role/sync/B";

    private EmulatorFixture _sts = null!;
    private EmulatedUser _alice = null!;

    public async ValueTask InitializeAsync()
    {
        _sts = await EmulatorFixture.StartAsync();
        _alice = _sts.Emulator.AddUser("alice");
        _sts.Emulator.AddRole(RoleA);
        _sts.Emulator.AddRole(RoleB);
    }

    public ValueTask DisposeAsync() => _sts.DisposeAsync();

    [Fact]
    public async Task GetCredentials_SyncCallerOnAColdProvider_BlockingCallIsSignedAndReadsTheServersDate()
    {
        // The local clock is 10 minutes ahead: only the response's Date header gives the full hour.
        var local = new FakeTimeProvider(_sts.Time.GetUtcNow().AddMinutes(10));
        using var provider = new AssumeRoleCredentials(Options(RoleA), local, null);

        var credentials = await Task.Run(provider.GetCredentials, TestContext.Current.CancellationToken);

        var call = Assert.Single(_sts.Emulator.Calls, c => c.Action == "AssumeRole");
        Assert.True(call.Succeeded);
        Assert.Equal(call.IssuedAccessKeyId, credentials.AccessKey);
        Assert.Equal(_alice.Arn, call.CallerArn);
        var state = provider.Session.State!;
        Assert.InRange(state.ExpiresAtMs - provider.Session.Clock.NowMs, TimeSpan.FromMinutes(59).TotalMilliseconds, TimeSpan.FromMinutes(60).TotalMilliseconds);
        Assert.Equal("arn:aws:sts::123456789012:assumed-role/A/it-session", provider.AssumedRoleArn);
    }

    [Fact]
    public async Task GetCredentials_SyncCallerOnAColdChain_EveryHopRefreshedWithBlockingCalls()
    {
        var options = Options(RoleB);
        options.Chain.Add(new AssumeRoleHopOptions { RoleArn = RoleA, RoleSessionName = "hop1" });
        using var provider = new AssumeRoleCredentials(options, new FakeTimeProvider(_sts.Time.GetUtcNow()), null);

        var credentials = await Task.Run(provider.GetCredentials, TestContext.Current.CancellationToken);

        using var client = new AmazonSecurityTokenServiceClient(new SessionAWSCredentials(credentials.AccessKey, credentials.SecretKey, credentials.Token), _sts.Config());
        var identity = await client.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken);
        Assert.Equal("arn:aws:sts::123456789012:assumed-role/B/it-session", identity.Arn);
        Assert.Equal([RoleA, RoleB], _sts.Emulator.Calls.Where(c => c.Action == "AssumeRole").Select(c => c.RoleArn));
    }

    [Fact]
    public async Task GetCredentials_StsFailsTheBlockingCall_CallerGetsTheClassifiedError()
    {
        _sts.Emulator.Faults.Add(StsFault.InternalFailure(times: null, "AssumeRole", RoleA));
        using var provider = new AssumeRoleCredentials(Options(RoleA, o => o.MaxStsRetries = 0), new FakeTimeProvider(_sts.Time.GetUtcNow()), null);

        var error = await Assert.ThrowsAsync<AssumeRoleException>(() => Task.Run(provider.GetCredentials, TestContext.Current.CancellationToken));

        Assert.Equal("InternalFailure", error.ErrorCode);
        Assert.True(error.IsTransient);
        Assert.NotNull(error.RequestId);
    }

    private AssumeRoleOptions Options(string roleArn, Action<AssumeRoleOptions>? configure = null)
    {
        var options = new AssumeRoleOptions
        {
            RoleArn = roleArn,
            RoleSessionName = "it-session",
            SourceCredentials = new BasicAWSCredentials(_alice.AccessKeyId, _alice.SecretAccessKey),
            ServiceUrl = _sts.Emulator.Endpoint.ToString(),
            Region = "us-east-1",
        };
        configure?.Invoke(options);
        return options;
    }
}
