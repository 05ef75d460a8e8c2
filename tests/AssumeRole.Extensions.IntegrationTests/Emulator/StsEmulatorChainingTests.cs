using System.Net;
using Amazon.SecurityToken.Model;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Testing;

namespace AssumeRole.Extensions.IntegrationTests.Emulator;

/// <summary>Duration caps in STS's order, role chaining, and what chains carry (transitive tags, source identity).</summary>
public sealed class StsEmulatorChainingTests : IAsyncLifetime
{
    private const string RoleA = "arn:aws:iam::123456789012:role/A";
    private const string RoleB = "arn:aws:iam::123456789012:role/B";
    private const string RoleC = "arn:aws:iam::123456789012:role/C";

    private EmulatorFixture _sts = null!;
    private EmulatedUser _alice = null!;

    public async ValueTask InitializeAsync()
    {
        _sts = await EmulatorFixture.StartAsync();
        _alice = _sts.Emulator.AddUser("alice");
        _sts.Emulator.AddRole(RoleA, role => role.AllowTagsAndSourceIdentity().MaxSessionDurationSeconds = 43200);
        _sts.Emulator.AddRole(RoleB, role => role.AllowTagsAndSourceIdentity().MaxSessionDurationSeconds = 43200);
        _sts.Emulator.AddRole(RoleC, role => role.AllowTagsAndSourceIdentity().MaxSessionDurationSeconds = 43200);
    }

    public ValueTask DisposeAsync() => _sts.DisposeAsync();

    [Fact]
    public async Task AssumeRole_DurationAboveRoleMaximum_ValidationErrorExactMessage()
    {
        _sts.Emulator.AddRole("arn:aws:iam::123456789012:role/OneHour");

        await StsAssert.FailsAsync(
            () => _sts.ClientFor(_alice).AssumeRoleAsync(
                new AssumeRoleRequest { RoleArn = "arn:aws:iam::123456789012:role/OneHour", RoleSessionName = "s1", DurationSeconds = 3601 },
                TestContext.Current.CancellationToken),
            HttpStatusCode.BadRequest,
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
    }

    [Fact]
    public async Task AssumeRole_LongSessionFromUser_IsNotChained()
    {
        var response = await AssumeAsync(_alice, RoleA, 43200);

        Assert.Equal(_sts.Time.GetUtcNow().AddSeconds(43200).UtcDateTime, response.Credentials.Expiration!.Value.ToUniversalTime(), TimeSpan.FromSeconds(1));
        Assert.False(_sts.Emulator.Calls.Single().IsChained);
    }

    [Fact]
    public async Task AssumeRole_Chained3600_Succeeds()
    {
        var hop1 = await AssumeAsync(_alice, RoleA, 43200);

        var hop2 = await AssumeAsync(hop1.Credentials, RoleB, 3600);

        Assert.Equal(_sts.Time.GetUtcNow().AddSeconds(3600).UtcDateTime, hop2.Credentials.Expiration!.Value.ToUniversalTime(), TimeSpan.FromSeconds(1));
        Assert.True(_sts.Emulator.Calls[1].IsChained);
        Assert.Equal("arn:aws:sts::123456789012:assumed-role/A/s1", _sts.Emulator.Calls[1].CallerArn);
    }

    [Fact]
    public async Task AssumeRole_Chained3601_ValidationErrorExactMessage()
    {
        var hop1 = await AssumeAsync(_alice, RoleA, 43200);

        await StsAssert.FailsAsync(
            () => AssumeAsync(hop1.Credentials, RoleB, 3601),
            HttpStatusCode.BadRequest,
            "ValidationError",
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
        Assert.Equal("ValidationError", _sts.Emulator.Calls[1].Outcome);
    }

    [Fact]
    public async Task AssumeRole_ChainedAboveRoleMaximum_RoleMaximumIsCheckedFirst()
    {
        _sts.Emulator.AddRole("arn:aws:iam::123456789012:role/OneHour");
        var hop1 = await AssumeAsync(_alice, RoleA, 3600);

        await StsAssert.FailsAsync(
            () => AssumeAsync(hop1.Credentials, "arn:aws:iam::123456789012:role/OneHour", 7200),
            HttpStatusCode.BadRequest,
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
    }

    [Fact]
    public async Task AssumeRole_ChainedWithoutDuration_Gets3600NotBoundedByParent()
    {
        var hop1 = await AssumeAsync(_alice, RoleA, 900);
        _sts.Time.Advance(TimeSpan.FromMinutes(10));

        var hop2 = await AssumeAsync(hop1.Credentials, RoleB, duration: null);

        // Request time + 3600, even though the parent session has five minutes left.
        Assert.Equal(_sts.Time.GetUtcNow().AddSeconds(3600).UtcDateTime, hop2.Credentials.Expiration!.Value.ToUniversalTime(), TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task AssumeRole_FromGetSessionTokenCredentials_IsChained()
    {
        var sessionToken = await _sts.ClientFor(_alice).GetSessionTokenAsync(new GetSessionTokenRequest(), TestContext.Current.CancellationToken);

        await StsAssert.FailsAsync(
            () => AssumeAsync(sessionToken.Credentials, RoleA, 7200),
            HttpStatusCode.BadRequest,
            "ValidationError",
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
        var ok = await AssumeAsync(sessionToken.Credentials, RoleA, 3600);
        Assert.StartsWith("ASIA", ok.Credentials.AccessKeyId, StringComparison.Ordinal);
        Assert.Equal(_alice.Arn, _sts.Emulator.Calls[^1].CallerArn);
    }

    [Fact]
    public async Task AssumeRole_FromWebIdentitySession_IsChained()
    {
        var web = await _sts.AnonymousClient().AssumeRoleWithWebIdentityAsync(
            new AssumeRoleWithWebIdentityRequest { RoleArn = RoleA, RoleSessionName = "pod", WebIdentityToken = "token-1234" },
            TestContext.Current.CancellationToken);

        await StsAssert.FailsAsync(
            () => AssumeAsync(web.Credentials, RoleB, 3601),
            HttpStatusCode.BadRequest,
            "ValidationError",
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
    }

    [Fact]
    public async Task AssumeRole_TransitiveTags_CarriedDownTheChainAndCannotBeSetAgain()
    {
        var hop1 = await _sts.ClientFor(_alice).AssumeRoleAsync(
            new AssumeRoleRequest
            {
                RoleArn = RoleA,
                RoleSessionName = "s1",
                Tags = [new Tag { Key = "Team", Value = "core" }, new Tag { Key = "Temp", Value = "x" }],
                TransitiveTagKeys = ["Team"],
            },
            TestContext.Current.CancellationToken);
        var hop2 = await AssumeAsync(hop1.Credentials, RoleB, 3600);

        // Two hops down, the inherited key is still transitive: setting it again fails, a non-transitive key is free.
        await StsAssert.FailsAsync(
            () => _sts.ClientFor(hop2.Credentials).AssumeRoleAsync(
                new AssumeRoleRequest { RoleArn = RoleC, RoleSessionName = "s1", Tags = [new Tag { Key = "team", Value = "other" }] },
                TestContext.Current.CancellationToken),
            HttpStatusCode.BadRequest,
            "InvalidParameterValue");
        var hop3 = await _sts.ClientFor(hop2.Credentials).AssumeRoleAsync(
            new AssumeRoleRequest { RoleArn = RoleC, RoleSessionName = "s1", Tags = [new Tag { Key = "Temp", Value = "y" }] },
            TestContext.Current.CancellationToken);
        Assert.NotNull(hop3.Credentials);
    }

    [Fact]
    public async Task AssumeRole_SourceIdentity_PersistsAndCannotChange()
    {
        var hop1 = await _sts.ClientFor(_alice).AssumeRoleAsync(
            new AssumeRoleRequest { RoleArn = RoleA, RoleSessionName = "s1", SourceIdentity = "alice" }, TestContext.Current.CancellationToken);
        Assert.Equal("alice", hop1.SourceIdentity);

        var hop2 = await AssumeAsync(hop1.Credentials, RoleB, 3600);
        Assert.Equal("alice", hop2.SourceIdentity);

        await StsAssert.FailsAsync(
            () => _sts.ClientFor(hop2.Credentials).AssumeRoleAsync(
                new AssumeRoleRequest { RoleArn = RoleC, RoleSessionName = "s1", SourceIdentity = "mallory" }, TestContext.Current.CancellationToken),
            HttpStatusCode.BadRequest,
            "ValidationError",
            "The source identity is already set for this assume role session");
    }

    private Task<AssumeRoleResponse> AssumeAsync(EmulatedUser user, string roleArn, int? duration) =>
        _sts.ClientFor(user).AssumeRoleAsync(
            new AssumeRoleRequest { RoleArn = roleArn, RoleSessionName = "s1", DurationSeconds = duration }, TestContext.Current.CancellationToken);

    private Task<AssumeRoleResponse> AssumeAsync(Credentials credentials, string roleArn, int? duration) =>
        _sts.ClientFor(credentials).AssumeRoleAsync(
            new AssumeRoleRequest { RoleArn = roleArn, RoleSessionName = "s1", DurationSeconds = duration }, TestContext.Current.CancellationToken);
}
