namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Returned by <c>AddAssumeRoleMultiTenant</c>: the registration of the tenant credentials factory
/// (<see cref="AssumeRole.Extensions.IAssumeRoleCredentialsFactory"/>), to chain further configuration onto.
/// </summary>
public interface IAssumeRoleMultiTenantBuilder
{
    /// <summary>Gets the service collection the factory is registered in.</summary>
    IServiceCollection Services { get; }
}
