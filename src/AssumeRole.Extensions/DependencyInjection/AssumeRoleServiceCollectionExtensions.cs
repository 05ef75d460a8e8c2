using AssumeRole.Extensions;
using AssumeRole.Extensions.Binding;
using AssumeRole.Extensions.DependencyInjection;
using AssumeRole.Extensions.MultiTenant;
using AssumeRole.Extensions.Refresh;
using System.Diagnostics.Metrics;
using Amazon.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers assumed IAM roles, and the multi-tenant credentials factory, in a service collection.</summary>
public static class AssumeRoleServiceCollectionExtensions
{
    /// <summary>
    /// Registers the default role without configuring it (configure it with
    /// <c>services.Configure&lt;AssumeRoleOptions&gt;(…)</c>). See <see cref="AddAssumeRole(IServiceCollection, Action{AssumeRoleOptions})"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>A builder for further configuration of the role.</returns>
    public static IAssumeRoleBuilder AddAssumeRole(this IServiceCollection services) =>
        AddRole(services, Options.Options.DefaultName);

    /// <summary>
    /// Registers the default role: <see cref="AssumeRoleCredentials"/> and <see cref="AWSCredentials"/> singletons, and
    /// the <c>AWSOptions</c> that AWS SDK clients added with <c>AddAWSService&lt;T&gt;()</c> are built from, so those
    /// clients use the role (and share one session) with no further code.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures the role.</param>
    /// <returns>A builder for further configuration of the role.</returns>
    /// <remarks>Options are validated when the host starts; an invalid role stops it with messages naming the field and the rule.</remarks>
    public static IAssumeRoleBuilder AddAssumeRole(this IServiceCollection services, Action<AssumeRoleOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = AddRole(services, Options.Options.DefaultName);
        services.Configure(Options.Options.DefaultName, configure);
        return builder;
    }

    /// <summary>Registers the default role, bound to a configuration section (reloads are followed).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="section">The section, for example <c>configuration.GetSection("AssumeRole")</c>.</param>
    /// <returns>A builder for further configuration of the role.</returns>
    public static IAssumeRoleBuilder AddAssumeRole(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var builder = AddRole(services, Options.Options.DefaultName);
        OptionsBinding.AddAssumeRole(services, Options.Options.DefaultName, section);
        services.AddSingleton(new AssumeRoleSectionBinding(Options.Options.DefaultName, section));
        return builder;
    }

    /// <summary>
    /// Registers a named role: keyed <see cref="AssumeRoleCredentials"/> and <see cref="AWSCredentials"/> singletons
    /// whose service key is <paramref name="name"/> (also the named-options name). Bind AWS SDK clients to it with
    /// <see cref="AssumeRoleBuilderExtensions.AddAWSService{T}(IAssumeRoleBuilder, ServiceLifetime)"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The role's name, for example <c>"billing"</c>.</param>
    /// <param name="configure">Configures the role.</param>
    /// <returns>A builder for further configuration of the role.</returns>
    public static IAssumeRoleBuilder AddAssumeRole(this IServiceCollection services, string name, Action<AssumeRoleOptions> configure)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        var builder = AddRole(services, name);
        services.Configure(name, configure);
        return builder;
    }

    /// <summary>Registers a named role bound to a configuration section (reloads are followed).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The role's name, for example <c>"billing"</c>.</param>
    /// <param name="section">The section, for example <c>configuration.GetSection("AssumeRole:Roles:billing")</c>.</param>
    /// <returns>A builder for further configuration of the role.</returns>
    public static IAssumeRoleBuilder AddAssumeRole(this IServiceCollection services, string name, IConfiguration section)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(section);
        var builder = AddRole(services, name);
        OptionsBinding.AddAssumeRole(services, name, section);
        services.AddSingleton(new AssumeRoleSectionBinding(name, section));
        return builder;
    }

    /// <summary>
    /// Registers <see cref="IAssumeRoleCredentialsFactory"/>, which hands out credentials for (role ARN, external ID)
    /// pairs on demand — one cached, shared, rate-limited provider per tenant.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>A builder for further configuration of the factory.</returns>
    public static IAssumeRoleMultiTenantBuilder AddAssumeRoleMultiTenant(this IServiceCollection services)
    {
        AddMultiTenantCore(services);
        return new AssumeRoleMultiTenantBuilder(services);
    }

    /// <summary>
    /// Registers <see cref="IAssumeRoleCredentialsFactory"/>, which hands out credentials for (role ARN, external ID)
    /// pairs on demand — one cached, shared, rate-limited provider per tenant.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures the factory.</param>
    /// <returns>A builder for further configuration of the factory.</returns>
    public static IAssumeRoleMultiTenantBuilder AddAssumeRoleMultiTenant(this IServiceCollection services, Action<MultiTenantOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        AddMultiTenantCore(services);
        services.Configure(configure);
        return new AssumeRoleMultiTenantBuilder(services);
    }

    /// <summary>Registers <see cref="IAssumeRoleCredentialsFactory"/> with settings bound to a configuration section.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="section">The section, for example <c>configuration.GetSection("AssumeRole:MultiTenant")</c>.</param>
    /// <returns>A builder for further configuration of the factory.</returns>
    public static IAssumeRoleMultiTenantBuilder AddAssumeRoleMultiTenant(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        AddMultiTenantCore(services);
        OptionsBinding.AddMultiTenant(services, section);
        return new AssumeRoleMultiTenantBuilder(services);
    }

    private static AssumeRoleBuilder AddRole(IServiceCollection services, string name)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (string.Equals(name, AssumeRoleRegistration.DefaultDisplayName, StringComparison.OrdinalIgnoreCase))
        {
            // Messages call the default role 'default': a named role of that name would be a second 'default'.
            throw new ArgumentException(
                $"'{name}' is what messages call the default role, so it cannot name another role. Register the default role with " +
                "AddAssumeRole(section) or AddAssumeRole(o => …) (its options name is AssumeRoleOptions.DefaultRoleName, the empty string), or choose another name.",
                nameof(name));
        }

        var builder = new AssumeRoleBuilder(name, services);
        AddInfrastructure(services);

        // Everything below is per name and added once, so a second AddAssumeRole for the same name only adds its
        // configuration (which, like any options configuration, applies in order).
        if (services.Any(d => d.ServiceType == typeof(AssumeRoleRegistration) && d.ImplementationInstance is AssumeRoleRegistration r && r.Name == name))
        {
            return builder;
        }

        services.AddSingleton(new AssumeRoleRegistration(name));
        services.AddOptionsWithValidateOnStart<AssumeRoleOptions>(name);
        services.AddKeyedSingleton(name, static (sp, key) =>
        {
            // Before the role's options are created: when their creation is what reads the app's AWSOptions, the role
            // resolved again by that read would re-enter the options cache's Lazy instead of failing plainly. Any other
            // role goes on: its options fail plainly if they need that read (AwsRegionDefaults), and pass if they do not.
            sp.GetRequiredService<AwsOptionsTemplate>().ThrowIfReadFor((string)key!);
            return new AssumeRoleBinding((string)key!, sp.GetRequiredService<IOptionsMonitor<AssumeRoleOptions>>(), sp.GetRequiredService<AssumeRoleContext>(), sp.GetService<AssumeRoleOptionsFactory.LastValid>());
        });
        services.AddKeyedSingleton(name, static (sp, key) => sp.GetRequiredKeyedService<AssumeRoleBinding>(key).Credentials);
        services.AddKeyedSingleton<AWSCredentials>(name, static (sp, key) => sp.GetRequiredKeyedService<AssumeRoleCredentials>(key));

        if (builder.IsDefault)
        {
            services.AddSingleton(static sp => sp.GetRequiredKeyedService<AssumeRoleCredentials>(Options.Options.DefaultName));
            services.AddSingleton<AWSCredentials>(static sp => sp.GetRequiredKeyedService<AssumeRoleCredentials>(Options.Options.DefaultName));
            AwsOptionsFactory.Register(services);
        }

        return builder;
    }

    private static void AddInfrastructure(IServiceCollection services)
    {
        services.AddOptions();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp => AssumeRoleContext.For(sp.GetService<TimeProvider>(), sp.GetService<ILoggerFactory>(), sp.GetService<IMeterFactory>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AssumeRoleOptions>, AssumeRoleOptionsValidation>());
        services.TryAddSingleton<AwsOptionsTemplate>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<AssumeRoleOptions>, AwsRegionDefaults>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<MultiTenantOptions>, AwsRegionDefaults>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AssumeRoleStartupCheck>());

        // A reload that breaks a rule is logged (event 41) and the last valid settings stay, instead of an exception
        // thrown inside the options monitor's change callback.
        services.TryAddSingleton<AssumeRoleOptionsFactory.LastValid>();
        services.TryAddTransient<IOptionsFactory<AssumeRoleOptions>, AssumeRoleOptionsFactory>();
    }

    private static void AddMultiTenantCore(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        AddInfrastructure(services);
        services.AddOptionsWithValidateOnStart<MultiTenantOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MultiTenantOptions>, MultiTenantOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MultiTenantOptions>, MultiTenantOptionsRules>());
        services.TryAddSingleton<TenantCredentialsFactory>();
        services.TryAddSingleton<IAssumeRoleCredentialsFactory>(static sp => sp.GetRequiredService<TenantCredentialsFactory>());
    }
}
