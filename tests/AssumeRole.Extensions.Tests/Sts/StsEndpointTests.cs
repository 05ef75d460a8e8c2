using AssumeRole.Extensions.Sts;

namespace AssumeRole.Extensions.Tests.Sts;

/// <summary>
/// Log event 1 names where STS calls go. Review of issue 15: with <c>AWS_ENDPOINT_URL_STS</c> set the SDK called the
/// URL it names while the log said "sts.us-east-1 (regional endpoint)".
/// </summary>
public sealed class StsEndpointTests
{
    [Theory]
    [InlineData(null, null, null, "sts.us-east-1 (regional endpoint)")]
    [InlineData("http://127.0.0.1:4599/", null, null, "http://127.0.0.1:4599/ (from AWS_ENDPOINT_URL_STS, signing region us-east-1)")]
    [InlineData(null, "http://127.0.0.1:4600/", null, "http://127.0.0.1:4600/ (from AWS_ENDPOINT_URL, signing region us-east-1)")]
    [InlineData("http://127.0.0.1:4599/", "http://127.0.0.1:4600/", null, "http://127.0.0.1:4599/ (from AWS_ENDPOINT_URL_STS, signing region us-east-1)")]
    [InlineData("http://127.0.0.1:4599/", null, "true", "sts.us-east-1 (regional endpoint)")]
    public void Describe_NoServiceUrl_NamesTheUrlTheSdkTakesFromItsVariables(string? stsUrl, string? anyUrl, string? ignore, string expected)
    {
        var env = new Dictionary<string, string?>
        {
            ["AWS_ENDPOINT_URL_STS"] = stsUrl,
            ["AWS_ENDPOINT_URL"] = anyUrl,
            ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = ignore,
        };

        Assert.Equal(expected, new StsEndpoint("us-east-1", null).Describe(name => env.GetValueOrDefault(name)));
    }

    [Fact]
    public void Describe_ExplicitServiceUrl_WinsOverTheVariables()
    {
        Assert.Equal(
            "https://vpce.example/ (signing region eu-west-1)",
            new StsEndpoint("eu-west-1", "https://vpce.example/").Describe(_ => "http://127.0.0.1:1/"));
    }
}
