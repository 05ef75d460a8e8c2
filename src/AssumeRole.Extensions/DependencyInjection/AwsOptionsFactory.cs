using System.Reflection;
using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AssumeRole.Extensions.DependencyInjection;

/// <summary>
/// Feeds our credentials to the AWS SDK's DI integration. <c>AddAWSService&lt;T&gt;()</c> (AWSSDK.Extensions.NETCore.Setup)
/// builds each client from the <see cref="AWSOptions"/> service, else from <c>IConfiguration.GetAWSOptions()</c>, and
/// uses <see cref="AWSOptions.Credentials"/> when set. The default role therefore registers an <see cref="AWSOptions"/>
/// whose credentials are the role's provider: region, service URL and client settings still come from the user's
/// <see cref="AWSOptions"/> registration or the <c>AWS</c> configuration section.
/// </summary>
internal sealed class AwsOptionsFactory
{
    private static readonly PropertyInfo[] s_clientConfigProperties = [.. typeof(DefaultClientConfig)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.CanRead && p.CanWrite && p.GetIndexParameters().Length == 0)];

    private readonly ServiceDescriptor? _userRegistration;

    private AwsOptionsFactory(ServiceDescriptor? userRegistration) => _userRegistration = userRegistration;

    /// <summary>
    /// Makes the unkeyed <see cref="AWSOptions"/> carry the default role. An <see cref="AWSOptions"/> registered before
    /// is wrapped (its settings kept, its lifetime kept); one registered after replaces ours, as DI's last-wins rule says,
    /// which <see cref="AssumeRoleStartupCheck"/> reports when the host starts unless its credentials are the role's.
    /// </summary>
    public static void Register(IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(AwsOptionsRegistrations)))
        {
            services.AddSingleton(new AwsOptionsRegistrations(services));
        }

        for (var i = services.Count - 1; i >= 0; i--)
        {
            var d = services[i];
            if (d.ServiceType != typeof(AWSOptions) || d.IsKeyedService)
            {
                continue;
            }

            if (d.ImplementationFactory?.Target is AwsOptionsFactory)
            {
                return; // already ours: registering the default role twice is harmless
            }

            services.RemoveAt(i);
            services.Add(new ServiceDescriptor(typeof(AWSOptions), new AwsOptionsFactory(d).Create, d.Lifetime));
            services.AddSingleton(new AwsOptionsSource(d));
            return;
        }

        services.Add(ServiceDescriptor.Singleton(typeof(AWSOptions), new AwsOptionsFactory(null).Create));
        services.AddSingleton(new AwsOptionsSource(null));
    }

    /// <summary>
    /// The <see cref="AWSOptions"/> an SDK client of the role <paramref name="name"/> is built from: a copy of what the
    /// SDK would use, with the role's provider as credentials.
    /// </summary>
    public static AWSOptions ForRole(IServiceProvider services, string name)
    {
        var template = services.GetService<AWSOptions>() ?? services.GetService<IConfiguration>()?.GetAWSOptions();
        var options = template is null ? new AWSOptions() : Copy(template);
        return WithRole(options, services.GetRequiredKeyedService<AssumeRoleCredentials>(name), name);
    }

    private AWSOptions Create(IServiceProvider services)
    {
        var options = _userRegistration switch
        {
            null => services.GetService<IConfiguration>()?.GetAWSOptions() ?? new AWSOptions(),
            { ImplementationInstance: AWSOptions instance } => Copy(instance),
            { ImplementationFactory: { } factory } => Copy((AWSOptions)factory(services)),
            { ImplementationType: { } type } => Copy((AWSOptions)ActivatorUtilities.CreateInstance(services, type)),
            _ => new AWSOptions(),
        };

        return WithRole(options, services.GetRequiredService<AssumeRoleCredentials>(), string.Empty);
    }

    private static AWSOptions WithRole(AWSOptions options, AWSCredentials credentials, string name)
    {
        ThrowIfSessionRoleArn(options, name);
        options.Credentials = credentials;
        return options;
    }

    /// <summary>Throws when <paramref name="options"/> set <c>SessionRoleArn</c>, which clients of role <paramref name="name"/> cannot use.</summary>
    public static void ThrowIfSessionRoleArn(AWSOptions options, string name)
    {
        if (!string.IsNullOrEmpty(options.SessionRoleArn))
        {
            // The SDK would wrap our credentials in its own AssumeRoleAWSCredentials: a second, unshared hop.
            throw new InvalidOperationException(
                $"AWSOptions.SessionRoleArn is set while AssumeRole role '{(name.Length == 0 ? "default" : name)}' provides the credentials; " +
                "the SDK would assume SessionRoleArn on top of the role. Move the role to the AssumeRole configuration (RoleArn, or Chain for several hops) and remove AWS:SessionRoleArn.");
        }
    }

    /// <summary>A copy, so that the user's (possibly shared) instance is never mutated.</summary>
    private static AWSOptions Copy(AWSOptions source)
    {
        var copy = new AWSOptions
        {
            Profile = source.Profile,
            ProfilesLocation = source.ProfilesLocation,
            Region = source.Region,
            SessionRoleArn = source.SessionRoleArn,
            SessionName = source.SessionName,
            ExternalId = source.ExternalId,
            Credentials = source.Credentials,
            DefaultConfigurationMode = source.DefaultConfigurationMode,
            Logging = source.Logging,
        };

        // DefaultClientConfig has no setter and ~30 optional settings that grow with SDK versions: copy them all.
        foreach (var property in s_clientConfigProperties)
        {
            property.SetValue(copy.DefaultClientConfig, property.GetValue(source.DefaultClientConfig));
        }

        foreach (var (key, value) in source.DefaultClientConfig.ServiceSpecificSettings)
        {
            copy.DefaultClientConfig.ServiceSpecificSettings[key] = value;
        }

        return copy;
    }
}
