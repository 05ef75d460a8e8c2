using AssumeRole.Extensions;
using AssumeRole.Extensions.DependencyInjection;
using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Further configuration of a role registered with <c>AddAssumeRole</c>.</summary>
public static class AssumeRoleBuilderExtensions
{
    /// <summary>
    /// Configures the role with access to the services, for example to take its source credentials from another
    /// registered role: <c>.Configure((o, sp) =&gt; o.SourceCredentials = sp.GetRequiredKeyedService&lt;AssumeRoleCredentials&gt;("hub"))</c>.
    /// </summary>
    /// <param name="builder">The role's builder.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The builder.</returns>
    public static IAssumeRoleBuilder Configure(this IAssumeRoleBuilder builder, Action<AssumeRoleOptions, IServiceProvider> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<AssumeRoleOptions>(builder.Name).Configure(configure);
        return builder;
    }

    /// <summary>
    /// Fetches the role's credentials while the host starts (an <see cref="IHostedService"/>): a role that cannot be
    /// assumed stops the host at once, and later calls, sync ones included, find credentials cached.
    /// </summary>
    /// <param name="builder">The role's builder.</param>
    /// <returns>The builder.</returns>
    public static IAssumeRoleBuilder WithWarmUp(this IAssumeRoleBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (!services.Any(d => d.ImplementationInstance is AssumeRoleWarmUpRegistration r && r.Name == builder.Name))
        {
            services.AddSingleton(new AssumeRoleWarmUpRegistration(builder.Name));
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AssumeRoleWarmUpService>());
        return builder;
    }

    /// <summary>
    /// Adds an AWS SDK client of type <typeparamref name="T"/> that uses this role. For the default role this is the
    /// SDK's <c>AddAWSService&lt;T&gt;()</c>; for a named role the client is a keyed service whose key is the role's
    /// name (<c>[FromKeyedServices("billing")] IAmazonS3 s3</c>). Region, service URL and client settings come from the
    /// <c>AWSOptions</c> service or the <c>AWS</c> configuration section, as for any SDK client. Every client of one
    /// role shares the role's single session.
    /// </summary>
    /// <typeparam name="T">The service interface, for example <c>IAmazonS3</c>.</typeparam>
    /// <param name="builder">The role's builder.</param>
    /// <param name="lifetime">The client's lifetime.</param>
    /// <returns>The builder.</returns>
    public static IAssumeRoleBuilder AddAWSService<T>(this IAssumeRoleBuilder builder, ServiceLifetime lifetime = ServiceLifetime.Singleton)
        where T : class, IAmazonService
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Name.Length == 0)
        {
            ServiceCollectionExtensions.AddAWSService<T>(builder.Services, lifetime);
            return builder;
        }

        if (!builder.Services.Any(d => d.ImplementationInstance is AssumeRoleClientRegistration r && r.Name == builder.Name))
        {
            builder.Services.AddSingleton(new AssumeRoleClientRegistration(builder.Name));
        }

        // The SDK's AddKeyedAWSService<T>(key) builds keyed clients from the unkeyed AWSOptions (the default role) and
        // its 4.0 overloads take no per-provider options factory, so a named role builds its client here from a copy
        // of those options with the role's credentials — through the SDK's own AWSOptions.CreateServiceClient.
        builder.Services.Add(new ServiceDescriptor(
            typeof(T),
            builder.Name,
            static (sp, key) => AwsOptionsFactory.ForRole(sp, (string)key!).CreateServiceClient<T>(),
            lifetime));
        return builder;
    }
}
