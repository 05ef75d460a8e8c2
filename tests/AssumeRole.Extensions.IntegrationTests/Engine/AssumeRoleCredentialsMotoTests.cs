using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;

namespace AssumeRole.Extensions.IntegrationTests.Engine;

/// <summary>The provider against moto_server, an STS implementation we did not write.</summary>
public sealed class AssumeRoleCredentialsMotoTests(MotoServerFixture moto) : IClassFixture<MotoServerFixture>
{
    private const string RoleArn = "arn:aws:iam::123456789012:role/moto-reader";

    [Fact]
    public async Task GetCredentials_AgainstMoto_CallerIdentityIsTheAssumedRole()
    {
        RequiresServer.Available(moto.UnavailableReason);
        var config = new AmazonSecurityTokenServiceConfig { ServiceURL = moto.Endpoint.ToString(), AuthenticationRegion = "us-east-1" };
        using var provider = new AssumeRoleCredentials(new AssumeRoleOptions
        {
            RoleArn = RoleArn,
            RoleSessionName = "moto-session",
            DurationSeconds = 900,
            SourceCredentials = new BasicAWSCredentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            ServiceUrl = moto.Endpoint.ToString(),
            Region = "us-east-1",
        });

        var credentials = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        using var client = new AmazonSecurityTokenServiceClient(provider, config);
        var identity = await client.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken);

        Assert.StartsWith("ASIA", credentials.AccessKey, StringComparison.Ordinal);
        Assert.Equal("arn:aws:sts::123456789012:assumed-role/moto-reader/moto-session", identity.Arn);
        Assert.NotNull(provider.Expiration);
        Assert.InRange(provider.Expiration!.Value - DateTime.UtcNow, TimeSpan.FromMinutes(13), TimeSpan.FromMinutes(16));
    }
}
