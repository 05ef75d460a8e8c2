using Microsoft.Extensions.DependencyInjection;

namespace AssumeRole.Extensions.DependencyInjection;

internal sealed class AssumeRoleMultiTenantBuilder(IServiceCollection services) : IAssumeRoleMultiTenantBuilder
{
    public IServiceCollection Services { get; } = services;
}
