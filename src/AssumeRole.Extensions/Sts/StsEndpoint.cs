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

    /// <summary>What log event 1 reports: the regional endpoint, or the explicit URL with the region it is signed for.</summary>
    public override string ToString() => ServiceUrl is null ? $"sts.{Region} (regional endpoint)" : $"{ServiceUrl} (signing region {Region})";

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
