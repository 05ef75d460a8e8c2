namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Returned by <c>AddAssumeRole</c>: the registration of one role, to chain further configuration onto (warm-up, AWS
/// SDK clients bound to the role).
/// </summary>
public interface IAssumeRoleBuilder
{
    /// <summary>
    /// Gets the name of the role: the named-options name of its <see cref="AssumeRole.Extensions.AssumeRoleOptions"/>
    /// and the service key of its keyed services. The default role's name is
    /// <see cref="AssumeRole.Extensions.AssumeRoleOptions.DefaultRoleName"/>, the empty string (messages call it <c>'default'</c>).
    /// </summary>
    string Name { get; }

    /// <summary>Gets the service collection the role is registered in.</summary>
    IServiceCollection Services { get; }
}
