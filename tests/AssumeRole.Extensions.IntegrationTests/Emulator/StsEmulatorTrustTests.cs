using System.Net;
using Amazon.SecurityToken.Model;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Testing;

namespace AssumeRole.Extensions.IntegrationTests.Emulator;

/// <summary>Trust policies, external ID and MFA requirements: AccessDenied as AWS words it.</summary>
public sealed class StsEmulatorTrustTests : IAsyncLifetime
{
    private const string RoleArn = "arn:aws:iam::123456789012:role/Target";
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
    public async Task AssumeRole_UnknownRole_AccessDeniedNamingCallerAndRole()
    {
        await StsAssert.FailsAsync(
            () => AssumeAsync(_alice, new AssumeRoleRequest()),
            HttpStatusCode.Forbidden,
            "AccessDenied",
            $"User: {_alice.Arn} is not authorized to perform: sts:AssumeRole on resource: {RoleArn}");
    }

    [Fact]
    public async Task AssumeRole_DefaultTrust_AnyPrincipalOfTheRoleAccountButNotOthers()
    {
        _sts.Emulator.AddRole(RoleArn);
        var outsider = _sts.Emulator.AddUser("mallory", "999999999999");

        await AssumeAsync(_alice, new AssumeRoleRequest());
        await StsAssert.FailsAsync(
            () => AssumeAsync(outsider, new AssumeRoleRequest()),
            HttpStatusCode.Forbidden,
            "AccessDenied",
            $"User: arn:aws:iam::999999999999:user/mallory is not authorized to perform: sts:AssumeRole on resource: {RoleArn}");
    }

    [Fact]
    public async Task AssumeRole_TrustsOneUser_OtherUserOfSameAccountDenied()
    {
        var bob = _sts.Emulator.AddUser("bob");
        _sts.Emulator.AddRole(RoleArn, role => role.TrustPrincipal(_alice.Arn));

        await AssumeAsync(_alice, new AssumeRoleRequest());
        await StsAssert.FailsAsync(() => AssumeAsync(bob, new AssumeRoleRequest()), HttpStatusCode.Forbidden, "AccessDenied");
    }

    [Fact]
    public async Task AssumeRole_TrustsAnotherAccountRoot_CrossAccountUserAllowed()
    {
        var partner = _sts.Emulator.AddUser("ci", "111122223333");
        _sts.Emulator.AddRole(RoleArn, role => role.TrustPrincipal("arn:aws:iam::111122223333:root"));

        var response = await AssumeAsync(partner, new AssumeRoleRequest());

        Assert.Equal("arn:aws:sts::123456789012:assumed-role/Target/session", response.AssumedRoleUser.Arn);
        await StsAssert.FailsAsync(() => AssumeAsync(_alice, new AssumeRoleRequest()), HttpStatusCode.Forbidden, "AccessDenied");
    }

    [Fact]
    public async Task AssumeRole_TrustsRole_SessionsOfThatRoleAllowedAndDeniedMessageUsesSessionArn()
    {
        const string jump = "arn:aws:iam::123456789012:role/Jump";
        const string other = "arn:aws:iam::123456789012:role/Other";
        _sts.Emulator.AddRole(jump);
        _sts.Emulator.AddRole(other);
        _sts.Emulator.AddRole(RoleArn, role => role.TrustPrincipal(jump));
        var jumpSession = await AssumeAsync(_alice, new AssumeRoleRequest { RoleArn = jump, RoleSessionName = "jump" });
        var otherSession = await AssumeAsync(_alice, new AssumeRoleRequest { RoleArn = other, RoleSessionName = "other" });

        await _sts.ClientFor(jumpSession.Credentials).AssumeRoleAsync(
            new AssumeRoleRequest { RoleArn = RoleArn, RoleSessionName = "target" }, TestContext.Current.CancellationToken);
        await StsAssert.FailsAsync(
            () => _sts.ClientFor(otherSession.Credentials).AssumeRoleAsync(
                new AssumeRoleRequest { RoleArn = RoleArn, RoleSessionName = "target" }, TestContext.Current.CancellationToken),
            HttpStatusCode.Forbidden,
            "AccessDenied",
            $"User: arn:aws:sts::123456789012:assumed-role/Other/other is not authorized to perform: sts:AssumeRole on resource: {RoleArn}");
    }

    [Fact]
    public async Task AssumeRole_RequiredExternalId_MissingOrWrongDeniedRightAllowed()
    {
        _sts.Emulator.AddRole(RoleArn, role => role.RequiredExternalId = "tenant-42");

        await StsAssert.FailsAsync(() => AssumeAsync(_alice, new AssumeRoleRequest()), HttpStatusCode.Forbidden, "AccessDenied");
        await StsAssert.FailsAsync(() => AssumeAsync(_alice, new AssumeRoleRequest { ExternalId = "tenant-41" }), HttpStatusCode.Forbidden, "AccessDenied");
        var response = await AssumeAsync(_alice, new AssumeRoleRequest { ExternalId = "tenant-42" });

        Assert.NotNull(response.Credentials);
        Assert.Equal(["AccessDenied", "AccessDenied", StsCallRecord.SuccessOutcome], _sts.Emulator.Calls.Select(call => call.Outcome));
    }

    [Fact]
    public async Task AssumeRole_RequiresMfa_MissingWrongAndReusedCodesDenied()
    {
        _alice.EnableMfaDevice(MfaSerial, "123456", "654321");
        _sts.Emulator.AddRole(RoleArn, role => role.RequireMfa());

        await StsAssert.FailsAsync(
            () => AssumeAsync(_alice, new AssumeRoleRequest()),
            HttpStatusCode.Forbidden,
            "AccessDenied",
            $"User: {_alice.Arn} is not authorized to perform: sts:AssumeRole on resource: {RoleArn}");
        await StsAssert.FailsAsync(
            () => AssumeAsync(_alice, new AssumeRoleRequest { SerialNumber = MfaSerial, TokenCode = "000000" }), HttpStatusCode.Forbidden, "AccessDenied");
        await AssumeAsync(_alice, new AssumeRoleRequest { SerialNumber = MfaSerial, TokenCode = "123456" });
        await StsAssert.FailsAsync(
            () => AssumeAsync(_alice, new AssumeRoleRequest { SerialNumber = MfaSerial, TokenCode = "123456" }), HttpStatusCode.Forbidden, "AccessDenied");
        await AssumeAsync(_alice, new AssumeRoleRequest { SerialNumber = MfaSerial, TokenCode = "654321" });
        Assert.Equal(MfaSerial, _sts.Emulator.Calls[^1].SerialNumber);
    }

    [Fact]
    public async Task AssumeRole_RequiresMfa_SessionCreatedWithMfaSatisfiesIt()
    {
        _alice.EnableMfaDevice(MfaSerial, "111111");
        _sts.Emulator.AddRole(RoleArn, role => role.RequireMfa());
        var mfaSession = await _sts.ClientFor(_alice).GetSessionTokenAsync(
            new GetSessionTokenRequest { SerialNumber = MfaSerial, TokenCode = "111111", DurationSeconds = 3600 }, TestContext.Current.CancellationToken);

        var response = await _sts.ClientFor(mfaSession.Credentials).AssumeRoleAsync(
            new AssumeRoleRequest { RoleArn = RoleArn, RoleSessionName = "mfa" }, TestContext.Current.CancellationToken);

        Assert.NotNull(response.Credentials);
    }

    private Task<AssumeRoleResponse> AssumeAsync(EmulatedUser user, AssumeRoleRequest request)
    {
        request.RoleArn ??= RoleArn;
        request.RoleSessionName ??= "session";
        return _sts.ClientFor(user).AssumeRoleAsync(request, TestContext.Current.CancellationToken);
    }
}
