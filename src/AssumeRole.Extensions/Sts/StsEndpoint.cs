using Amazon;
using Amazon.Runtime;

namespace AssumeRole.Extensions.Sts;

/// <summary>Where a hop's STS calls go: a region, and an explicit URL for VPC endpoints and emulators.</summary>
internal sealed record StsEndpoint(string Region, string? ServiceUrl)
{
    private static readonly Lazy<string> s_defaultRegion = new(ResolveDefaultRegion);

    public static StsEndpoint For(AssumeRoleHopOptions hop, AssumeRoleOptions registration)
    {
        var url = hop.ServiceUrl ?? registration.ServiceUrl;
        var region = hop.Region ?? registration.Region ?? s_defaultRegion.Value;
        return new StsEndpoint(region, url);
    }

    /// <summary>
    /// What log event 1 reports: the explicit URL with the region it is signed for, else the URL the SDK takes from its
    /// endpoint variables (<c>AWS_ENDPOINT_URL_STS</c>, then <c>AWS_ENDPOINT_URL</c>, unless
    /// <c>AWS_IGNORE_CONFIGURED_ENDPOINT_URLS</c> is true), else the regional endpoint.
    /// </summary>
    public override string ToString() => Describe(Environment.GetEnvironmentVariable);

    /// <summary>See <see cref="ToString"/>; <paramref name="getEnv"/> reads the environment.</summary>
    internal string Describe(Func<string, string?> getEnv)
    {
        if (ServiceUrl is not null)
        {
            return $"{ServiceUrl} (signing region {Region})";
        }

        if (!string.Equals(getEnv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true", StringComparison.OrdinalIgnoreCase))
        {
            foreach (var variable in (ReadOnlySpan<string>)["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"])
            {
                if (getEnv(variable) is { Length: > 0 } url)
                {
                    return $"{url} (from {variable}, signing region {Region})";
                }
            }
        }

        return $"sts.{Region} (regional endpoint)";
    }

    private static string ResolveDefaultRegion()
    {
        try
        {
            // AWS_REGION, AWS_DEFAULT_REGION, then the profile; instance metadata is skipped because off EC2 it costs
            // seconds of timeouts at start-up.
            return FallbackRegionFactory.GetRegionEndpoint(false)?.SystemName ?? RegionEndpoint.USEast1.SystemName;
        }
        catch (AmazonClientException)
        {
            return RegionEndpoint.USEast1.SystemName;
        }
    }
}
