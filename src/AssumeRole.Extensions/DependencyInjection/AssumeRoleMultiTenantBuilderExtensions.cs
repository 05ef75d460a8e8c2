using AssumeRole.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Further configuration of the tenant credentials factory registered with <c>AddAssumeRoleMultiTenant</c>.</summary>
public static class AssumeRoleMultiTenantBuilderExtensions
{
    /// <summary>
    /// Configures the factory with access to the services, for example to take the tenants' source credentials from a
    /// registered role: <c>.Configure((o, sp) =&gt; o.SourceCredentials = sp.GetRequiredKeyedService&lt;AssumeRoleCredentials&gt;("hub"))</c>,
    /// or credentials built from other services.
    /// </summary>
    /// <param name="builder">The factory's builder.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The builder.</returns>
    public static IAssumeRoleMultiTenantBuilder Configure(this IAssumeRoleMultiTenantBuilder builder, Action<MultiTenantOptions, IServiceProvider> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<MultiTenantOptions>().Configure(configure);
        return builder;
    }
}
