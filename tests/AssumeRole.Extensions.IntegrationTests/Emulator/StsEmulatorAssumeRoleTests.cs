using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Testing;

namespace AssumeRole.Extensions.IntegrationTests.Emulator;

/// <summary>AssumeRole and GetCallerIdentity through the real AWS SDK for .NET client, which signs real SigV4.</summary>
public sealed class StsEmulatorAssumeRoleTests : IAsyncLifetime
{
    private const string RoleArn = "arn:aws:iam::123456789012:role/ops/Deploy";

    private EmulatorFixture _sts = null!;
    private EmulatedUser _alice = null!;

    public async ValueTask InitializeAsync()
    {
        _sts = await EmulatorFixture.StartAsync();
        _alice = _sts.Emulator.AddUser("alice");
    }

    public ValueTask DisposeAsync() => _sts.DisposeAsync();

    [Fact]
    public async Task AssumeRole_ValidRequest_ReturnsCredentialsShapedLikeAws()
    {
        var role = _sts.Emulator.AddRole(RoleArn);
        var now = _sts.Time.GetUtcNow();

        var response = await _sts.ClientFor(_alice).AssumeRoleAsync(
            new AssumeRoleRequest { RoleArn = RoleArn, RoleSessionName = "my-session" }, TestContext.Current.CancellationToken);

        var credentials = response.Credentials;
        Assert.Matches("^ASIA[A-Z2-7]{16}$", credentials.AccessKeyId);
        Assert.Equal(40, credentials.SecretAccessKey.Length);
        Assert.False(string.IsNullOrEmpty(credentials.SessionToken));
        var expectedExpiry = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond)).AddSeconds(3600);
        Assert.Equal(expectedExpiry.UtcDateTime, credentials.Expiration!.Value.ToUniversalTime());

        // The session ARN drops the role path; the id is the role id plus the session name.
        Assert.Equal("arn:aws:sts::123456789012:assumed-role/Deploy/my-session", response.AssumedRoleUser.Arn);
        Assert.Equal($"{role.RoleId}:my-session", response.AssumedRoleUser.AssumedRoleId);
        Assert.StartsWith("AROA", role.RoleId, StringComparison.Ordinal);
        Assert.Null(response.PackedPolicySize);
        Assert.Null(response.SourceIdentity);

        var call = Assert.Single(_sts.Emulator.Calls);
        Assert.Equal("AssumeRole", call.Action);
        Assert.Equal(RoleArn, call.RoleArn);
        Assert.Equal("my-session", call.RoleSessionName);
        Assert.Null(call.DurationSeconds);
        Assert.Equal(_alice.Arn, call.CallerArn);
        Assert.False(call.IsChained);
        Assert.True(call.Succeeded);
        Assert.Equal(response.ResponseMetadata.RequestId, call.RequestId);
        Assert.Equal(credentials.AccessKeyId, call.IssuedAccessKeyId);
    }

    [Fact]
    public async Task GetCallerIdentity_UserAndAssumedRoleSession_ReportTheirIdentities()
    {
        var role = _sts.Emulator.AddRole(RoleArn);
        var ct = TestContext.Current.CancellationToken;

        var asUser = await _sts.ClientFor(_alice).GetCallerIdentityAsync(new GetCallerIdentityRequest(), ct);
        var assumed = await _sts.ClientFor(_alice).AssumeRoleAsync(new AssumeRoleRequest { RoleArn = RoleArn, RoleSessionName = "s1" }, ct);
        var asRole = await _sts.ClientFor(assumed.Credentials).GetCallerIdentityAsync(new GetCallerIdentityRequest(), ct);

        Assert.Equal(_alice.Arn, asUser.Arn);
        Assert.Equal(_alice.UserId, asUser.UserId);
        Assert.Equal("123456789012", asUser.Account);
        Assert.Equal("arn:aws:sts::123456789012:assumed-role/Deploy/s1", asRole.Arn);
        Assert.Equal($"{role.RoleId}:s1", asRole.UserId);
        Assert.Equal("123456789012", asRole.Account);
    }

    [Fact]
    public async Task AssumeRole_DurationAndOverride_ExpiryFollowsOverride()
    {
        _sts.Emulator.AddRole(RoleArn, role =>
        {
            role.MaxSessionDurationSeconds = 43200;
            role.SessionLifetimeOverride = TimeSpan.FromMinutes(5);
        });
        var now = _sts.Time.GetUtcNow();

        var response = await _sts.ClientFor(_alice).AssumeRoleAsync(
            new AssumeRoleRequest { RoleArn = RoleArn, RoleSessionName = "short", DurationSeconds = 43200 }, TestContext.Current.CancellationToken);

        var lifetime = response.Credentials.Expiration!.Value.ToUniversalTime() - now.UtcDateTime;
        Assert.InRange(lifetime, TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        Assert.Equal(43200, _sts.Emulator.Calls[0].DurationSeconds);
    }
}
