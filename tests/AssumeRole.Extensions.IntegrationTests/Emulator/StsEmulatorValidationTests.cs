using System.Net;
using Amazon.SecurityToken.Model;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Testing;

namespace AssumeRole.Extensions.IntegrationTests.Emulator;

/// <summary>AssumeRole parameter validation: AWS's codes and messages, through the AWS SDK.</summary>
public sealed class StsEmulatorValidationTests : IAsyncLifetime
{
    private const string RoleArn = "arn:aws:iam::123456789012:role/Deploy";

    private EmulatorFixture _sts = null!;
    private EmulatedUser _alice = null!;

    public async ValueTask InitializeAsync()
    {
        _sts = await EmulatorFixture.StartAsync();
        _alice = _sts.Emulator.AddUser("alice");
        _sts.Emulator.AddRole(RoleArn, role => role.AllowTagsAndSourceIdentity().MaxSessionDurationSeconds = 43200);
    }

    public ValueTask DisposeAsync() => _sts.DisposeAsync();

    [Theory]
    [InlineData(899, "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900")]
    [InlineData(43201, "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200")]
    public async Task AssumeRole_DurationOutOfRange_ValidationError(int duration, string message)
    {
        await StsAssert.FailsAsync(() => AssumeAsync(new AssumeRoleRequest { DurationSeconds = duration }), HttpStatusCode.BadRequest, "ValidationError", message);
    }

    [Fact]
    public async Task AssumeRole_BadSessionName_ValidationErrorQuotesPattern()
    {
        await StsAssert.FailsAsync(
            () => AssumeAsync(new AssumeRoleRequest { RoleSessionName = Runtime("a:b") }),
            HttpStatusCode.BadRequest,
            "ValidationError",
            @"1 validation error detected: Value 'a:b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*");
    }

    [Fact]
    public async Task AssumeRole_SessionNameTooShort_ValidationError()
    {
        await StsAssert.FailsAsync(
            () => AssumeAsync(new AssumeRoleRequest { RoleSessionName = Runtime("a") }),
            HttpStatusCode.BadRequest,
            "ValidationError",
            "1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2");
    }

    [Fact]
    public async Task AssumeRole_MalformedRoleArn_ValidationErrorIsInvalid()
    {
        const string arn = "arn:aws:iam::123456789012:user/NotARole";
        await StsAssert.FailsAsync(() => AssumeAsync(new AssumeRoleRequest { RoleArn = arn }), HttpStatusCode.BadRequest, "ValidationError", $"{arn} is invalid");
    }

    [Fact]
    public async Task AssumeRole_PolicyLongerThan2048_ValidationError()
    {
        var policy = "{\"Version\":\"2012-10-17\",\"Statement\":[]," + new string(' ', 2048) + "}";
        var error = await StsAssert.FailsAsync(() => AssumeAsync(new AssumeRoleRequest { Policy = policy }), HttpStatusCode.BadRequest, "ValidationError");
        Assert.EndsWith("at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssumeRole_PolicyNotJson_MalformedPolicyDocument()
    {
        await StsAssert.FailsAsync(
            () => AssumeAsync(new AssumeRoleRequest { Policy = "{not json" }), HttpStatusCode.BadRequest, "MalformedPolicyDocument");
    }

    [Fact]
    public async Task AssumeRole_ElevenPolicyArns_ValidationError()
    {
        var arns = Enumerable.Range(1, 11).Select(i => new PolicyDescriptorType { Arn = $"arn:aws:iam::aws:policy/Policy{i}" }).ToList();
        var error = await StsAssert.FailsAsync(() => AssumeAsync(new AssumeRoleRequest { PolicyArns = arns }), HttpStatusCode.BadRequest, "ValidationError");
        Assert.Contains("at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssumeRole_FiftyOneTags_ValidationError()
    {
        var tags = Enumerable.Range(1, 51).Select(i => new Tag { Key = $"k{i}", Value = "v" }).ToList();
        var error = await StsAssert.FailsAsync(() => AssumeAsync(new AssumeRoleRequest { Tags = tags }), HttpStatusCode.BadRequest, "ValidationError");
        Assert.Contains("at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssumeRole_TagKeyTooLong_ValidationErrorNamesMember()
    {
        var key = new string('k', 129);
        var error = await StsAssert.FailsAsync(
            () => AssumeAsync(new AssumeRoleRequest { Tags = [new Tag { Key = key, Value = "v" }] }), HttpStatusCode.BadRequest, "ValidationError");
        Assert.Equal(
            $"1 validation error detected: Value '{key}' at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128",
            error.Message);
    }

    [Fact]
    public async Task AssumeRole_DuplicateTagKeysDifferingInCase_InvalidParameterValue()
    {
        await StsAssert.FailsAsync(
            () => AssumeAsync(new AssumeRoleRequest { Tags = [new Tag { Key = "Team", Value = "a" }, new Tag { Key = "team", Value = "b" }] }),
            HttpStatusCode.BadRequest,
            "InvalidParameterValue");
    }

    [Fact]
    public async Task AssumeRole_TransitiveKeyNotInTags_InvalidParameterValue()
    {
        await StsAssert.FailsAsync(
            () => AssumeAsync(new AssumeRoleRequest { Tags = [new Tag { Key = "Team", Value = "a" }], TransitiveTagKeys = ["Project"] }),
            HttpStatusCode.BadRequest,
            "InvalidParameterValue",
            "The specified transitive tag key must be included in the requested tags.");
    }

    [Fact]
    public async Task AssumeRole_TooManyTagBytes_PackedPolicyTooLarge()
    {
        var tags = Enumerable.Range(1, 40).Select(i => new Tag { Key = $"key-{i:D3}-" + new string('k', 60), Value = new string('v', 200) }).ToList();
        var error = await StsAssert.FailsAsync(() => AssumeAsync(new AssumeRoleRequest { Tags = tags }), HttpStatusCode.BadRequest, "PackedPolicyTooLarge");
        Assert.Matches(@"^Packed size of session tags consumes \d+% of allotted space\.$", error.Message);
    }

    [Fact]
    public async Task AssumeRole_PolicyAndTags_ReturnsPackedPolicySizeAndRecordsThem()
    {
        const string policy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}""";
        var response = await AssumeAsync(new AssumeRoleRequest
        {
            Policy = policy,
            PolicyArns = [new PolicyDescriptorType { Arn = "arn:aws:iam::aws:policy/ReadOnlyAccess" }],
            Tags = [new Tag { Key = "Team", Value = "core" }, new Tag { Key = "Project", Value = "x" }],
            TransitiveTagKeys = ["Team"],
            ExternalId = "ext-1",
        });

        Assert.InRange(response.PackedPolicySize!.Value, 1, 100);
        var call = Assert.Single(_sts.Emulator.Calls);
        Assert.Equal([new("Team", "core"), new("Project", "x")], call.Tags);
        Assert.Equal(["Team"], call.TransitiveTagKeys);
        Assert.Equal(["arn:aws:iam::aws:policy/ReadOnlyAccess"], call.PolicyArns);
        Assert.Equal(policy, call.Policy);
        Assert.Equal("ext-1", call.ExternalId);
    }

    [Theory]
    [InlineData("aws:alice")]
    [InlineData("a")]
    [InlineData("al ice")]
    public async Task AssumeRole_BadSourceIdentity_ValidationError(string sourceIdentity)
    {
        var error = await StsAssert.FailsAsync(
            () => AssumeAsync(new AssumeRoleRequest { SourceIdentity = sourceIdentity }), HttpStatusCode.BadRequest, "ValidationError");
        Assert.Contains($"Value '{sourceIdentity}' at 'sourceIdentity'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x", "externalId")]
    [InlineData("ext id", "externalId")]
    public async Task AssumeRole_BadExternalId_ValidationError(string externalId, string field)
    {
        var error = await StsAssert.FailsAsync(
            () => AssumeAsync(new AssumeRoleRequest { ExternalId = externalId }), HttpStatusCode.BadRequest, "ValidationError");
        Assert.Contains($"at '{field}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssumeRole_TokenCodeNotSixDigits_ValidationError()
    {
        var error = await StsAssert.FailsAsync(
            () => AssumeAsync(new AssumeRoleRequest { SerialNumber = "arn:aws:iam::123456789012:mfa/alice", TokenCode = Runtime("12345a") }),
            HttpStatusCode.BadRequest,
            "ValidationError");
        Assert.Equal(
            @"1 validation error detected: Value '12345a' at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\d]*",
            error.Message);
    }

    [Fact]
    public async Task AssumeRole_SeveralViolations_ReportsThemTogether()
    {
        var error = await StsAssert.FailsAsync(
            () => AssumeAsync(new AssumeRoleRequest { RoleSessionName = Runtime("a"), DurationSeconds = Runtime(60) }), HttpStatusCode.BadRequest, "ValidationError");
        Assert.StartsWith("2 validation errors detected: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("'roleSessionName'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'durationSeconds'", error.Message, StringComparison.Ordinal);
    }

    // The SDK's analyzers reject constant out-of-range values at build time; these tests need them on the wire.
    private static T Runtime<T>(T value) => value;

    private Task<AssumeRoleResponse> AssumeAsync(AssumeRoleRequest request)
    {
        request.RoleArn ??= RoleArn;
        request.RoleSessionName ??= "session";
        return _sts.ClientFor(_alice).AssumeRoleAsync(request, TestContext.Current.CancellationToken);
    }
}
