using System.Net;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Validation;

namespace AssumeRole.Extensions.IntegrationTests.Validation;

/// <summary>
/// Review of issue #13, finding 6 and the tag-key suspicion, on the emulator's side (over HTTP, with the SDK client):
/// STS (Java) reads the ARN set's tail <c>\u10000-\u10FFFF</c> as <c>\u1000</c>, <c>0-\u10FF</c>, <c>F</c>, <c>F</c>,
/// so C1 control characters are ARN characters; and Java's <c>equalsIgnoreCase</c> takes the Kelvin sign for 'k'.
/// The emulator and our validators must both read them so.
/// </summary>
public sealed class IssuesTestsJavaReadingsInEmulator
{
    private const string Provider = "arn:aws:iam::aws:contextProvider/IdentityCenter";

    [Theory]
    [InlineData("\u0080")]
    [InlineData("\u0086")]
    [InlineData("\u009F")]
    [InlineData("\u007F")]
    public async Task AssumeRole_ProviderArnWithC1Character_AcceptedByEmulatorAndUs(string c)
    {
        await using var sts = await EmulatorFixture.StartAsync();
        var alice = sts.Emulator.AddUser("alice");
        sts.Emulator.AddRole("arn:aws:iam::123456789012:role/Deploy", r => r.TrustPrincipal(alice.Arn));
        using var client = new AmazonSecurityTokenServiceClient(new BasicAWSCredentials(alice.AccessKeyId, alice.SecretAccessKey), sts.Config());

        var response = await client.AssumeRoleAsync(
            new AssumeRoleRequest
            {
                RoleArn = "arn:aws:iam::123456789012:role/Deploy",
                RoleSessionName = "s1",
                ProvidedContexts = [new ProvidedContext { ProviderArn = Provider + c, ContextAssertion = "assertion" }],
            },
            TestContext.Current.CancellationToken);

        Assert.NotNull(response.Credentials);
        Assert.True(StsConstraints.ProviderArn.IsValid(Provider + c));
    }

    [Fact]
    public async Task AssumeRole_TagKeysKelvinSignAndK_DuplicateForEmulatorAndUs()
    {
        await using var sts = await EmulatorFixture.StartAsync();
        var alice = sts.Emulator.AddUser("alice");
        sts.Emulator.AddRole("arn:aws:iam::123456789012:role/Deploy", r => r.TrustPrincipal(alice.Arn));
        using var client = new AmazonSecurityTokenServiceClient(new BasicAWSCredentials(alice.AccessKeyId, alice.SecretAccessKey), sts.Config());

        await StsAssert.FailsAsync(
            () => client.AssumeRoleAsync(
                new AssumeRoleRequest
                {
                    RoleArn = "arn:aws:iam::123456789012:role/Deploy",
                    RoleSessionName = "s1",
                    Tags = [new Tag { Key = "\u212Aey", Value = "a" }, new Tag { Key = "key", Value = "b" }],
                },
                TestContext.Current.CancellationToken),
            HttpStatusCode.BadRequest,
            "InvalidParameterValue");
        var options = new AssumeRoleOptions { RoleArn = "arn:aws:iam::123456789012:role/Deploy" };
        options.Tags["\u212Aey"] = "a";
        options.Tags["key"] = "b";
        Assert.Contains(AssumeRoleOptionsValidator.Validate(options), f => f.Contains("appears twice", StringComparison.Ordinal));
    }
}
