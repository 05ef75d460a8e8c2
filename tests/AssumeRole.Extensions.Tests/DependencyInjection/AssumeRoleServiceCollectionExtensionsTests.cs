using AssumeRole.Extensions.DependencyInjection;
using AssumeRole.Extensions.Tests.Fakes;
using Amazon;
using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AssumeRole.Extensions.Tests.DependencyInjection;

public sealed class AssumeRoleServiceCollectionExtensionsTests
{
    private readonly TestEngine _engine = new();

    private ServiceProvider CreateSut(Action<IServiceCollection> configure)
    {
        var services = new ServiceCollection();
        services.UseEngine(_engine);
        configure(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    [Fact]
    public void AddAssumeRole_DefaultRole_RegistersOneProviderAsCredentialsAndAwsCredentials()
    {
        using var sp = CreateSut(s => s.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn));

        var credentials = sp.GetRequiredService<AssumeRoleCredentials>();
        Assert.Equal(TestEngine.RoleArn, credentials.RoleArn);
        Assert.Same(credentials, sp.GetRequiredService<AWSCredentials>());
        Assert.Same(credentials, sp.GetRequiredKeyedService<AssumeRoleCredentials>(Options.DefaultName));
    }

    [Fact]
    public void AddAssumeRole_NamedRoles_AreKeyedByNameAndIndependent()
    {
        using var sp = CreateSut(s =>
        {
            s.AddAssumeRole("billing", o => o.RoleArn = TestEngine.RoleArn);
            s.AddAssumeRole("audit", o => o.RoleArn = DiTestHost.OtherRoleArn);
        });

        var billing = sp.GetRequiredKeyedService<AssumeRoleCredentials>("billing");
        var audit = sp.GetRequiredKeyedService<AssumeRoleCredentials>("audit");
        Assert.Equal(TestEngine.RoleArn, billing.RoleArn);
        Assert.Equal(DiTestHost.OtherRoleArn, audit.RoleArn);
        Assert.Same(billing, sp.GetRequiredKeyedService<AWSCredentials>("billing"));

        // Named roles do not claim the unkeyed services, which belong to the default role.
        Assert.Null(sp.GetService<AssumeRoleCredentials>());
        Assert.Null(sp.GetService<AWSOptions>());
    }

    [Fact]
    public void AddAssumeRole_Builder_ExposesNameAndServices()
    {
        var services = new ServiceCollection();

        var named = services.AddAssumeRole("billing", o => o.RoleArn = TestEngine.RoleArn);
        var @default = services.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn);

        Assert.Equal("billing", named.Name);
        Assert.Equal(string.Empty, @default.Name);
        Assert.Same(services, named.Services);
    }

    [Fact]
    public void AddAssumeRole_RegisteredTwice_IsHarmless()
    {
        var services = new ServiceCollection();
        services.UseEngine(_engine);
        services.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn);
        services.AddAssumeRole("billing", o => o.RoleArn = TestEngine.RoleArn);
        var count = services.Count;

        services.AddAssumeRole(o => o.RoleSessionName = "second");
        services.AddAssumeRole("billing", o => o.RoleArn = TestEngine.RoleArn);

        // Only the two configuration actions are new; infrastructure, markers and services are not duplicated.
        Assert.Equal(count + 2, services.Count);
        Assert.Single(services, d => d.ServiceType == typeof(AWSOptions));
        Assert.Single(services, d => d.ServiceType == typeof(TimeProvider));
        Assert.Single(services, d => d.ServiceType == typeof(IValidateOptions<AssumeRoleOptions>));
        Assert.Equal(2, services.Count(d => d.ServiceType == typeof(AssumeRoleRegistration)));

        using var sp = services.BuildServiceProvider();
        var credentials = sp.GetRequiredService<AssumeRoleCredentials>();
        Assert.Same(credentials, sp.GetRequiredService<AWSCredentials>());
        Assert.Same(credentials, sp.GetRequiredService<AWSOptions>().Credentials);
        Assert.Equal("second", sp.GetRequiredService<IOptionsMonitor<AssumeRoleOptions>>().CurrentValue.RoleSessionName);
    }

    [Fact]
    public void AddAssumeRole_TimeProviderAlreadyRegistered_KeepsIt()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_engine.Time);

        services.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn);

        using var sp = services.BuildServiceProvider();
        Assert.Same(_engine.Time, sp.GetRequiredService<TimeProvider>());
    }

    [Fact]
    public void AddAssumeRole_NoTimeProvider_AddsSystemClock()
    {
        var services = new ServiceCollection();
        services.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn);

        using var sp = services.BuildServiceProvider();
        Assert.Same(TimeProvider.System, sp.GetRequiredService<TimeProvider>());
    }

    [Fact]
    public async Task AddAssumeRole_ContainerDisposed_DisposesProviderAndReleasesSession()
    {
        var sp = CreateSut(s => s.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn));
        var credentials = sp.GetRequiredService<AssumeRoleCredentials>();
        await credentials.GetCredentialsAsync(TestContext.Current.CancellationToken);
        var session = credentials.Session;
        Assert.Equal(1, session.Leases);

        await sp.DisposeAsync();

        Assert.Throws<ObjectDisposedException>(() => credentials.GetCredentials());
        Assert.Equal(0, session.Leases);
    }

    [Fact]
    public async Task AddAssumeRole_TwoContainersSameRole_ShareOneSession()
    {
        using var first = CreateSut(s => s.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn));
        using var second = CreateSut(s => s.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn));

        await first.GetRequiredService<AssumeRoleCredentials>().GetCredentialsAsync(TestContext.Current.CancellationToken);
        await second.GetRequiredService<AssumeRoleCredentials>().GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, _engine.Sts.CallCount);
    }

    [Fact]
    public void AddAssumeRole_DefaultRole_AwsOptionsCarriesTheRole()
    {
        using var sp = CreateSut(s => s.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn));

        var awsOptions = sp.GetRequiredService<AWSOptions>();

        Assert.Same(sp.GetRequiredService<AssumeRoleCredentials>(), awsOptions.Credentials);
    }

    [Fact]
    public void AddAssumeRole_AwsOptionsRegisteredBefore_KeepsItsSettingsWithoutMutatingIt()
    {
        var userOptions = new AWSOptions { Region = RegionEndpoint.EUWest1 };
        userOptions.DefaultClientConfig.ServiceURL = "http://localhost:4566";
        using var sp = CreateSut(s =>
        {
            s.AddDefaultAWSOptions(userOptions);
            s.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn);
        });

        var awsOptions = sp.GetRequiredService<AWSOptions>();

        Assert.Equal(RegionEndpoint.EUWest1, awsOptions.Region);
        Assert.Equal("http://localhost:4566", awsOptions.DefaultClientConfig.ServiceURL);
        Assert.Same(sp.GetRequiredService<AssumeRoleCredentials>(), awsOptions.Credentials);
        Assert.Null(userOptions.Credentials);
    }

    [Fact]
    public void AddAssumeRole_AwsOptionsFromConfiguration_KeepsRegion()
    {
        var config = DiTestHost.Memory(new Dictionary<string, string?> { ["AWS:Region"] = "ap-southeast-2" });
        using var sp = CreateSut(s =>
        {
            s.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(config);
            s.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn);
        });

        var awsOptions = sp.GetRequiredService<AWSOptions>();

        Assert.Equal(RegionEndpoint.APSoutheast2, awsOptions.Region);
        Assert.Same(sp.GetRequiredService<AssumeRoleCredentials>(), awsOptions.Credentials);
    }

    [Fact]
    public void AddAssumeRole_AwsOptionsWithSessionRoleArn_FailsWithMigrationHint()
    {
        using var sp = CreateSut(s =>
        {
            s.AddDefaultAWSOptions(new AWSOptions { SessionRoleArn = DiTestHost.OtherRoleArn });
            s.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn);
        });

        var ex = Assert.Throws<InvalidOperationException>(() => sp.GetRequiredService<AWSOptions>());

        Assert.Contains("SessionRoleArn", ex.Message);
        Assert.Contains("'default'", ex.Message);
    }

    [Fact]
    public async Task AddAWSService_DefaultRole_SdkClientUsesTheRoleAndAllClientsShareOneSession()
    {
        using var sp = CreateSut(s =>
        {
            s.AddDefaultAWSOptions(new AWSOptions { Region = RegionEndpoint.USEast1 });
            s.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn);
            s.AddAWSService<IAmazonSecurityTokenService>();
            s.AddAWSService<IAmazonSecurityTokenService>(ServiceLifetime.Transient);
        });

        var clients = Enumerable.Range(0, 3).Select(_ => sp.GetRequiredService<IAmazonSecurityTokenService>()).ToList();
        var provider = sp.GetRequiredService<AssumeRoleCredentials>();

        Assert.Equal(3, clients.Distinct().Count());
        Assert.All(clients, c => Assert.Same(provider, DiTestHost.CredentialsOf(c)));
        foreach (var client in clients)
        {
            await DiTestHost.CredentialsOf(client)!.GetCredentialsAsync();
        }

        Assert.Equal(1, _engine.Sts.CallCount);
    }

    [Fact]
    public void AddAWSService_NamedRole_KeyedClientUsesTheNamedRole()
    {
        using var sp = CreateSut(s =>
        {
            s.AddDefaultAWSOptions(new AWSOptions { Region = RegionEndpoint.USEast1 });
            s.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn).AddAWSService<IAmazonSecurityTokenService>();
            s.AddAssumeRole("audit", o => o.RoleArn = DiTestHost.OtherRoleArn).AddAWSService<IAmazonSecurityTokenService>();
        });

        var audit = sp.GetRequiredKeyedService<IAmazonSecurityTokenService>("audit");
        var @default = sp.GetRequiredService<IAmazonSecurityTokenService>();

        Assert.Same(sp.GetRequiredKeyedService<AssumeRoleCredentials>("audit"), DiTestHost.CredentialsOf(audit));
        Assert.Same(sp.GetRequiredService<AssumeRoleCredentials>(), DiTestHost.CredentialsOf(@default));
        Assert.Same(audit, sp.GetRequiredKeyedService<IAmazonSecurityTokenService>("audit"));
    }

    [Fact]
    public void AddAWSService_NamedRole_TakesRegionAndServiceUrlFromConfiguration()
    {
        var config = DiTestHost.Memory(new Dictionary<string, string?> { ["AWS:Region"] = "eu-central-1", ["AWS:ServiceURL"] = "http://127.0.0.1:9" });
        using var sp = CreateSut(s =>
        {
            s.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(config);
            s.AddAssumeRole("audit", o => o.RoleArn = DiTestHost.OtherRoleArn).AddAWSService<IAmazonSecurityTokenService>();
        });

        var client = sp.GetRequiredKeyedService<IAmazonSecurityTokenService>("audit");

        Assert.Equal("http://127.0.0.1:9/", client.Config.ServiceURL);
    }

    [Fact]
    public void Configure_WithServiceProvider_CanChainRolesThroughDi()
    {
        using var sp = CreateSut(s =>
        {
            s.AddAssumeRole("hub", o => o.RoleArn = DiTestHost.OtherRoleArn);
            s.AddAssumeRole("spoke", o => o.RoleArn = TestEngine.RoleArn)
                .Configure((o, services) => o.SourceCredentials = services.GetRequiredKeyedService<AssumeRoleCredentials>("hub"));
        });

        var spoke = sp.GetRequiredKeyedService<AssumeRoleCredentials>("spoke");

        Assert.Same(sp.GetRequiredKeyedService<AssumeRoleCredentials>("hub"), sp.GetRequiredService<IOptionsMonitor<AssumeRoleOptions>>().Get("spoke").SourceCredentials);
        Assert.Equal(TestEngine.RoleArn, spoke.RoleArn);
    }
}
