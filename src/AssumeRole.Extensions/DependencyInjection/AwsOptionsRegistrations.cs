using Amazon.Extensions.NETCore.Setup;
using Microsoft.Extensions.DependencyInjection;

namespace AssumeRole.Extensions.DependencyInjection;

/// <summary>
/// The service collection the default role was registered in, kept so that the start-up check can tell which
/// <see cref="AWSOptions"/> registration won (DI's last registration) without resolving it: resolving ours would
/// build the role's credentials, which needs source credentials a machine may not have at start-up.
/// </summary>
internal sealed class AwsOptionsRegistrations(IServiceCollection services)
{
    /// <summary>Gets the unkeyed <see cref="AWSOptions"/> registration DI resolves (the last one), if any.</summary>
    public ServiceDescriptor? Winner => services.LastOrDefault(d => d.ServiceType == typeof(AWSOptions) && !d.IsKeyedService);

    /// <summary>Gets a value indicating whether <see cref="Winner"/> is the one <c>AddAssumeRole</c> registered.</summary>
    public bool OursWins => Winner?.ImplementationFactory?.Target is AwsOptionsFactory;
}
