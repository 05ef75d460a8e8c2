using System.Net;
using System.Text;
using Amazon.SecurityToken.Model;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Testing;

namespace AssumeRole.Extensions.IntegrationTests.Emulator;

/// <summary>GetSessionToken (signed, long-term keys only) and AssumeRoleWithWebIdentity (unsigned) via the AWS SDK.</summary>
public sealed class StsEmulatorSessionTokenAndWebIdentityTests : IAsyncLifetime
{
    private const string RoleArn = "arn:aws:iam::123456789012:role/eks/PodRole";
    private const string MfaSerial = "arn:aws:iam::123456789012:mfa/alice";

    private EmulatorFixture _sts = null!;
    private EmulatedUser _alice = null!;

    public async ValueTask InitializeAsync()
    {
        _sts = await EmulatorFixture.StartAsync();
        _alice = _sts.Emulator.AddUser("alice");
    }

    public ValueTask DisposeAsync() => _sts.DisposeAsync();

    [Fact]
    public async Task GetSessionToken_Default_TwelveHoursActingAsTheUser()
    {
        var now = _sts.Time.GetUtcNow();

        var response = await _sts.ClientFor(_alice).GetSessionTokenAsync(new GetSessionTokenRequest(), TestContext.Current.CancellationToken);
        var identity = await _sts.ClientFor(response.Credentials).GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken);

        Assert.StartsWith("ASIA", response.Credentials.AccessKeyId, StringComparison.Ordinal);
        Assert.Equal(now.AddHours(12).UtcDateTime, response.Credentials.Expiration!.Value.ToUniversalTime(), TimeSpan.FromSeconds(1));
        Assert.Equal(_alice.Arn, identity.Arn);
        Assert.Equal(_alice.UserId, identity.UserId);
    }

    [Fact]
    public async Task GetSessionToken_DurationAbove129600_ValidationError()
    {
        await StsAssert.FailsAsync(
            () => _sts.ClientFor(_alice).GetSessionTokenAsync(new GetSessionTokenRequest { DurationSeconds = Runtime(129601) }, TestContext.Current.CancellationToken),
            HttpStatusCode.BadRequest,
            "ValidationError",
            "1 validation error detected: Value '129601' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 129600");
    }

    [Fact]
    public async Task GetSessionToken_WithSessionCredentials_AccessDenied()
    {
        var first = await _sts.ClientFor(_alice).GetSessionTokenAsync(new GetSessionTokenRequest(), TestContext.Current.CancellationToken);

        await StsAssert.FailsAsync(
            () => _sts.ClientFor(first.Credentials).GetSessionTokenAsync(new GetSessionTokenRequest(), TestContext.Current.CancellationToken),
            HttpStatusCode.Forbidden,
            "AccessDenied",
            "Cannot call GetSessionToken with session credentials");
    }

    [Fact]
    public async Task GetSessionToken_WrongMfaCode_AccessDenied()
    {
        _alice.EnableMfaDevice(MfaSerial, "246810");

        await StsAssert.FailsAsync(
            () => _sts.ClientFor(_alice).GetSessionTokenAsync(
                new GetSessionTokenRequest { SerialNumber = MfaSerial, TokenCode = "135791" }, TestContext.Current.CancellationToken),
            HttpStatusCode.Forbidden,
            "AccessDenied");
        var ok = await _sts.ClientFor(_alice).GetSessionTokenAsync(
            new GetSessionTokenRequest { SerialNumber = MfaSerial, TokenCode = "246810" }, TestContext.Current.CancellationToken);
        Assert.NotNull(ok.Credentials);
    }

    [Fact]
    public async Task AssumeRoleWithWebIdentity_JwtToken_EchoesClaimsAndIssuesRoleSession()
    {
        var role = _sts.Emulator.AddRole(RoleArn);
        var token = Jwt("""{"iss":"https://oidc.eks.us-east-1.amazonaws.com/id/ABC","sub":"system:serviceaccount:default:app","aud":"sts.amazonaws.com"}""");
        string? seenToken = null;
        _sts.Emulator.WebIdentityTokenValidator = candidate =>
        {
            seenToken = candidate;
            return WebIdentityTokenStatus.Valid;
        };

        var response = await _sts.AnonymousClient().AssumeRoleWithWebIdentityAsync(
            new AssumeRoleWithWebIdentityRequest { RoleArn = RoleArn, RoleSessionName = "pod-1", WebIdentityToken = token, DurationSeconds = 900 },
            TestContext.Current.CancellationToken);
        var identity = await _sts.ClientFor(response.Credentials).GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken);

        Assert.Equal(token, seenToken);
        Assert.Equal("system:serviceaccount:default:app", response.SubjectFromWebIdentityToken);
        Assert.Equal("sts.amazonaws.com", response.Audience);
        Assert.Equal("oidc.eks.us-east-1.amazonaws.com/id/ABC", response.Provider);
        Assert.Equal("arn:aws:sts::123456789012:assumed-role/PodRole/pod-1", response.AssumedRoleUser.Arn);
        Assert.Equal($"{role.RoleId}:pod-1", identity.UserId);
        Assert.Equal(_sts.Time.GetUtcNow().AddSeconds(900).UtcDateTime, response.Credentials.Expiration!.Value.ToUniversalTime(), TimeSpan.FromSeconds(1));
        var call = _sts.Emulator.Calls[0];
        Assert.Equal("AssumeRoleWithWebIdentity", call.Action);
        Assert.Equal("system:serviceaccount:default:app", call.CallerArn);
    }

    [Theory]
    [InlineData(WebIdentityTokenStatus.Invalid, "InvalidIdentityToken")]
    [InlineData(WebIdentityTokenStatus.Expired, "ExpiredTokenException")]
    public async Task AssumeRoleWithWebIdentity_RejectedToken_Error(WebIdentityTokenStatus status, string code)
    {
        _sts.Emulator.AddRole(RoleArn);
        _sts.Emulator.WebIdentityTokenValidator = _ => status;

        await StsAssert.FailsAsync(
            () => _sts.AnonymousClient().AssumeRoleWithWebIdentityAsync(
                new AssumeRoleWithWebIdentityRequest { RoleArn = RoleArn, RoleSessionName = "pod-1", WebIdentityToken = "opaque-token" },
                TestContext.Current.CancellationToken),
            HttpStatusCode.BadRequest,
            code);
    }

    [Fact]
    public async Task AssumeRoleWithWebIdentity_RoleWithoutWebIdentityTrust_AccessDenied()
    {
        _sts.Emulator.AddRole(RoleArn, role => role.TrustWebIdentity = false);

        await StsAssert.FailsAsync(
            () => _sts.AnonymousClient().AssumeRoleWithWebIdentityAsync(
                new AssumeRoleWithWebIdentityRequest { RoleArn = RoleArn, RoleSessionName = "pod-1", WebIdentityToken = "opaque-token" },
                TestContext.Current.CancellationToken),
            HttpStatusCode.Forbidden,
            "AccessDenied",
            "Not authorized to perform sts:AssumeRoleWithWebIdentity");
    }

    [Fact]
    public async Task AssumeRoleWithWebIdentity_DurationAboveRoleMaximum_ValidationError()
    {
        _sts.Emulator.AddRole(RoleArn);

        await StsAssert.FailsAsync(
            () => _sts.AnonymousClient().AssumeRoleWithWebIdentityAsync(
                new AssumeRoleWithWebIdentityRequest { RoleArn = RoleArn, RoleSessionName = "pod-1", WebIdentityToken = "opaque-token", DurationSeconds = 7200 },
                TestContext.Current.CancellationToken),
            HttpStatusCode.BadRequest,
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
    }

    private static string Jwt(string payloadJson)
    {
        static string Encode(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return $"{Encode("""{"alg":"RS256","typ":"JWT"}""")}.{Encode(payloadJson)}.c2lnbmF0dXJl";
    }

    private static T Runtime<T>(T value) => value;
}
