using AssumeRole.Extensions.MultiTenant;
using Microsoft.Extensions.Options;

namespace AssumeRole.Extensions.DependencyInjection;

/// <summary>
/// One region story: a role (or the multi-tenant factory) without a <c>Region</c> calls STS in the region of the app's
/// <c>AWSOptions</c> (<c>AWS:Region</c>, what its SDK clients use); without one, the SDK's own resolution applies
/// (<c>AWS_REGION</c>, the profile, then <c>us-east-1</c>). Hops of a chain take the role's region unless they set
/// their own. Runs after the app's configuration, so an explicit <c>Region</c> always wins.
/// </summary>
internal sealed class AwsRegionDefaults(AwsOptionsTemplate template) : IPostConfigureOptions<AssumeRoleOptions>, IPostConfigureOptions<MultiTenantOptions>
{
    public void PostConfigure(string? name, AssumeRoleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Region ??= template.RegionFor(name);
    }

    public void PostConfigure(string? name, MultiTenantOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Region ??= template.Region;
    }
}
