using System.Net;
using Amazon.SecurityToken.Model;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Testing;
using AssumeRole.Extensions.Testing.Signing;
using Microsoft.AspNetCore.Http;

namespace AssumeRole.Extensions.IntegrationTests.Emulator;

/// <summary>SigV4 verification: the public AWS test vector, then the failure modes through the AWS SDK.</summary>
public sealed class StsEmulatorSigningTests : IAsyncLifetime
{
    private const string RoleArn = "arn:aws:iam::123456789012:role/Deploy";

    private const string SignatureMismatch =
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

    // From the AWS SigV4 test suite, post-sts-token (botocore tests/unit/auth/aws4_testsuite).
    private const string VectorToken =
        "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

    private EmulatorFixture _sts = null!;
    private EmulatedUser _alice = null!;

    public async ValueTask InitializeAsync()
    {
        // The skew tests move the fake clock against the real one the SDK signs with: check skew on the fake clock.
        _sts = await EmulatorFixture.StartAsync(checkSkewOnFakeClock: true);
        _alice = _sts.Emulator.AddUser("alice");
        _sts.Emulator.AddRole(RoleArn, role => role.SessionLifetimeOverride = TimeSpan.FromMinutes(5));
    }

    public ValueTask DisposeAsync() => _sts.DisposeAsync();

    [Theory]
    [InlineData("host;x-amz-date;x-amz-security-token", "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead")]
    [InlineData("host;x-amz-date", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")]
    public void ComputeSignature_AwsTestVectorPostStsToken_MatchesPublishedSignature(string signedHeaders, string expected)
    {
        var headers = new HeaderDictionary
        {
            ["Host"] = "example.amazonaws.com",
            ["X-Amz-Date"] = "20150830T123600Z",
            ["X-Amz-Security-Token"] = VectorToken,
        };
        var request = new SignedRequest("POST", "/", string.Empty, headers, []);
        var header = new AuthorizationHeader("AKIDEXAMPLE", "20150830", "us-east-1", "service", signedHeaders, expected);

        var signature = SigV4Verifier.ComputeSignature(request, header, "20150830T123600Z", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

        Assert.Equal(expected, signature);
    }

    [Fact]
    public async Task Request_WrongSecret_SignatureDoesNotMatch()
    {
        var client = _sts.ClientFor(_alice.AccessKeyId, "wrong" + _alice.SecretAccessKey[5..]);

        await StsAssert.FailsAsync(
            () => client.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken),
            HttpStatusCode.Forbidden,
            "SignatureDoesNotMatch",
            SignatureMismatch);
    }

    [Fact]
    public async Task Request_UnknownAccessKey_InvalidClientTokenId()
    {
        var client = _sts.ClientFor("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");

        await StsAssert.FailsAsync(
            () => client.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken),
            HttpStatusCode.Forbidden,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.");
    }

    [Fact]
    public async Task Request_EmulatorClock16MinutesAhead_SignatureExpired()
    {
        _sts.Time.Advance(TimeSpan.FromMinutes(16));
        var now = _sts.Time.GetUtcNow();

        var error = await StsAssert.FailsAsync(
            () => _sts.ClientFor(_alice).GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken),
            HttpStatusCode.Forbidden,
            "SignatureDoesNotMatch");

        var earliest = SigV4.FormatAmzDate(now.AddMinutes(-15));
        Assert.Matches($@"^Signature expired: \d{{8}}T\d{{6}}Z is now earlier than {earliest} \({SigV4.FormatAmzDate(now)} - 15 min\.\)$", error.Message);
    }

    [Fact]
    public async Task Request_EmulatorClock16MinutesBehind_SignatureNotYetCurrent()
    {
        await using var behind = await EmulatorFixture.StartAsync(clockOffset: TimeSpan.FromMinutes(-16));
        var user = behind.Emulator.AddUser("alice");

        var error = await StsAssert.FailsAsync(
            () => behind.ClientFor(user).GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken),
            HttpStatusCode.Forbidden,
            "SignatureDoesNotMatch");

        Assert.StartsWith("Signature not yet current: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_EmulatorClock14MinutesAhead_Accepted()
    {
        _sts.Time.Advance(TimeSpan.FromMinutes(14));

        var identity = await _sts.ClientFor(_alice).GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken);

        Assert.Equal(_alice.Arn, identity.Arn);
    }

    [Fact]
    public async Task Request_SessionTokenOfAnotherSession_InvalidClientTokenId()
    {
        var first = await AssumeAsync("first");
        var second = await AssumeAsync("second");
        var mixed = _sts.ClientFor(first.AccessKeyId, first.SecretAccessKey, second.SessionToken);

        await StsAssert.FailsAsync(
            () => mixed.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken),
            HttpStatusCode.Forbidden,
            "InvalidClientTokenId",
            "The security token included in the request is invalid.");
    }

    [Fact]
    public async Task Request_SessionKeyWithoutToken_InvalidClientTokenId()
    {
        var session = await AssumeAsync("no-token");

        await StsAssert.FailsAsync(
            () => _sts.ClientFor(session.AccessKeyId, session.SecretAccessKey).GetCallerIdentityAsync(
                new GetCallerIdentityRequest(), TestContext.Current.CancellationToken),
            HttpStatusCode.Forbidden,
            "InvalidClientTokenId");
    }

    [Fact]
    public async Task Request_LongTermKeyWithSessionToken_InvalidClientTokenId()
    {
        var session = await AssumeAsync("token");

        await StsAssert.FailsAsync(
            () => _sts.ClientFor(_alice.AccessKeyId, _alice.SecretAccessKey, session.SessionToken).GetCallerIdentityAsync(
                new GetCallerIdentityRequest(), TestContext.Current.CancellationToken),
            HttpStatusCode.Forbidden,
            "InvalidClientTokenId");
    }

    [Fact]
    public async Task Request_SessionPastExpiry_ExpiredToken()
    {
        var session = await AssumeAsync("short");
        var client = _sts.ClientFor(session);
        await client.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken);

        _sts.Time.Advance(TimeSpan.FromMinutes(6));

        await StsAssert.FailsAsync(
            () => client.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken),
            HttpStatusCode.Forbidden,
            "ExpiredToken",
            "The security token included in the request is expired");
        Assert.Equal("ExpiredToken", _sts.Emulator.Calls[^1].Outcome);
    }

    [Fact]
    public async Task Request_WrongSigningService_SignatureDoesNotMatch()
    {
        var config = _sts.Config();
        config.AuthenticationServiceName = "iam";
        using var client = new Amazon.SecurityToken.AmazonSecurityTokenServiceClient(
            new Amazon.Runtime.BasicAWSCredentials(_alice.AccessKeyId, _alice.SecretAccessKey), config);

        var error = await StsAssert.FailsAsync(
            () => client.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken),
            HttpStatusCode.Forbidden,
            "SignatureDoesNotMatch");
        Assert.Contains("'sts'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_SignedForAnotherRegion_RejectedByDefaultAcceptedWhenTurnedOff()
    {
        // STS verifies that the credential scope names the endpoint's region (the global endpoint: us-east-1); regional
        // tokens being valid everywhere is about the issued credentials, not the request's signature.
        var config = _sts.Config();
        config.AuthenticationRegion = "eu-west-1";
        using var wrongRegion = new Amazon.SecurityToken.AmazonSecurityTokenServiceClient(
            new Amazon.Runtime.BasicAWSCredentials(_alice.AccessKeyId, _alice.SecretAccessKey), config);
        await StsAssert.FailsAsync(
            () => wrongRegion.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken),
            HttpStatusCode.Forbidden,
            "SignatureDoesNotMatch",
            "Credential should be scoped to a valid region, not 'eu-west-1'. ");

        await using var anyRegion = await EmulatorFixture.StartAsync(options => options.RequireSigningRegion = false);
        var user = anyRegion.Emulator.AddUser("alice");
        var anyConfig = anyRegion.Config();
        anyConfig.AuthenticationRegion = "eu-west-1";
        using var client = new Amazon.SecurityToken.AmazonSecurityTokenServiceClient(
            new Amazon.Runtime.BasicAWSCredentials(user.AccessKeyId, user.SecretAccessKey), anyConfig);
        Assert.Equal(user.Arn, (await client.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken)).Arn);
    }

    [Fact]
    public async Task Request_FakeClockHoursAheadOfTheRealOne_AcceptedByDefault()
    {
        // Issue 15: a client signs with the real clock until it sees a response; then the AWS SDK corrects its clock to
        // the response's Date header (the fake clock). By default the emulator accepts either, so a test can move its
        // fake clock by hours with no clock-skew setting.
        await using var sts = await EmulatorFixture.StartAsync();
        var user = sts.Emulator.AddUser("alice");
        var client = sts.ClientFor(user);
        await client.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken);
        sts.Time.Advance(TimeSpan.FromHours(5));

        await client.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken); // signed on the real clock
        await client.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken); // corrected to the fake one
        var fresh = await sts.ClientFor(user).GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken);

        Assert.Equal(user.Arn, fresh.Arn);
        Assert.All(sts.Emulator.Calls, call => Assert.Equal(StsCallRecord.SuccessOutcome, call.Outcome));
    }

    private async Task<Credentials> AssumeAsync(string sessionName) =>
        (await _sts.ClientFor(_alice).AssumeRoleAsync(
            new AssumeRoleRequest { RoleArn = RoleArn, RoleSessionName = sessionName }, TestContext.Current.CancellationToken)).Credentials;
}
