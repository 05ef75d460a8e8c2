using Microsoft.Extensions.DependencyInjection;

namespace AssumeRole.Extensions.DependencyInjection;

internal sealed class AssumeRoleBuilder(string name, IServiceCollection services) : IAssumeRoleBuilder
{
    public string Name { get; } = name;

    public IServiceCollection Services { get; } = services;

    public bool IsDefault => Name.Length == 0;
}
