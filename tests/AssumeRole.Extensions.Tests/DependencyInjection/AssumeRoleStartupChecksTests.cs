using AssumeRole.Extensions.Tests.Fakes;
using Amazon;
using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AssumeRole.Extensions.Tests.DependencyInjection;

/// <summary>
/// Issue 15: the mistakes a new user makes in the first hour are caught by <c>host.StartAsync()</c>, with a message
/// that says what to change, not on the first request; and STS goes to the region the app's SDK clients use.
/// Every test runs a real <see cref="IHost"/>.
/// </summary>
public sealed class AssumeRoleStartupChecksTests
{
    // The README's quick start, as written.
    private const string ReadmeQuickStartJson = """
        {
          "AWS": { "Region": "eu-west-1" },
          "AssumeRole": { "RoleArn": "arn:aws:iam::123456789012:role/Deploy", "DurationSeconds": 3600 }
        }
        """;

    private readonly TestEngine _engine = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StartAsync_ReadmeQuickStartConfig_StsGoesToTheAwsSectionsRegion()
    {
        using var host = DiTestHost.BuildHost(_engine, (s, config) =>
        {
            s.AddAssumeRole(config.GetSection("AssumeRole")).WithWarmUp();
            s.AddAWSService<IAmazonSecurityTokenService>();
        }, DiTestHost.Json(ReadmeQuickStartJson));

        await host.StartAsync(Ct);

        var role = host.Services.GetRequiredService<AssumeRoleCredentials>();
        Assert.Equal("sts.eu-west-1 (regional endpoint)", role.Session.Fetcher.Endpoint);
        Assert.Equal(RegionEndpoint.EUWest1, host.Services.GetRequiredService<IAmazonSecurityTokenService>().Config.RegionEndpoint);
        Assert.Equal(1, _engine.Sts.CallCount);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task StartAsync_ChainWithoutRegions_EveryHopUsesTheAwsRegion()
    {
        var json = """
            {
              "AWS": { "Region": "ap-southeast-2" },
              "AssumeRole": { "RoleArn": "arn:aws:iam::123456789012:role/Deploy", "Chain": [ { "RoleArn": "arn:aws:iam::123456789012:role/Hub" } ] }
            }
            """;
        using var host = DiTestHost.BuildHost(_engine, (s, config) => s.AddAssumeRole(config.GetSection("AssumeRole")), DiTestHost.Json(json));

        await host.StartAsync(Ct);

        var role = host.Services.GetRequiredService<AssumeRoleCredentials>();
        Assert.Equal("sts.ap-southeast-2 (regional endpoint)", role.Session.Fetcher.Endpoint);
        Assert.Equal("sts.ap-southeast-2 (regional endpoint)", ((AssumeRole.Extensions.Sts.AssumeRoleFetcher)role.Session.Fetcher).Parent!.Fetcher.Endpoint);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task StartAsync_RoleRegionSet_WinsOverTheAwsRegion()
    {
        var json = """
            { "AWS": { "Region": "eu-west-1" }, "AssumeRole": { "RoleArn": "arn:aws:iam::123456789012:role/Deploy", "Region": "us-west-2" } }
            """;
        using var host = DiTestHost.BuildHost(_engine, (s, config) => s.AddAssumeRole(config.GetSection("AssumeRole")), DiTestHost.Json(json));

        await host.StartAsync(Ct);

        Assert.Equal("sts.us-west-2 (regional endpoint)", host.Services.GetRequiredService<AssumeRoleCredentials>().Session.Fetcher.Endpoint);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task StartAsync_AwsOptionsRegisteredBeforeWithRegion_StsUsesItsRegion()
    {
        using var host = DiTestHost.BuildHost(_engine, (s, _) =>
        {
            s.AddDefaultAWSOptions(new AWSOptions { Region = RegionEndpoint.CACentral1 });
            s.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn);
        });

        await host.StartAsync(Ct);

        Assert.Equal("sts.ca-central-1 (regional endpoint)", host.Services.GetRequiredService<AssumeRoleCredentials>().Session.Fetcher.Endpoint);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task StartAsync_NamedRoleOnly_StsUsesTheAwsSectionsRegion()
    {
        var config = DiTestHost.Memory(new Dictionary<string, string?> { ["AWS:Region"] = "eu-north-1" });
        using var host = DiTestHost.BuildHost(_engine, (s, _) => s.AddAssumeRole("billing", o => o.RoleArn = TestEngine.RoleArn), config);

        await host.StartAsync(Ct);

        Assert.Equal("sts.eu-north-1 (regional endpoint)", host.Services.GetRequiredKeyedService<AssumeRoleCredentials>("billing").Session.Fetcher.Endpoint);
        await host.StopAsync(Ct);
    }

    [Theory]
    [InlineData(null, "sts.eu-north-1 (regional endpoint)")]
    [InlineData("us-west-2", "sts.us-west-2 (regional endpoint)")]
    public async Task StartAsync_MultiTenantFactory_TenantsUseTheAwsRegionUnlessTheFactorySetsOne(string? factoryRegion, string expected)
    {
        // The README's region story says "the same holds for AddAssumeRoleMultiTenant" (audit of issue 15: no test said so).
        var values = new Dictionary<string, string?> { ["AWS:Region"] = "eu-north-1" };
        if (factoryRegion is not null)
        {
            values["AssumeRole:MultiTenant:Region"] = factoryRegion;
        }

        using var host = DiTestHost.BuildHost(_engine, (s, c) =>
            s.AddAssumeRoleMultiTenant(c.GetSection("AssumeRole:MultiTenant")).Configure((o, _) => o.SourceCredentials = TestEngine.Source()), DiTestHost.Memory(values));

        await host.StartAsync(Ct);

        var factory = host.Services.GetRequiredService<AssumeRole.Extensions.MultiTenant.TenantCredentialsFactory>();
        var tenant = factory.Lease(new AssumeRole.Extensions.MultiTenant.TenantKey(TestEngine.RoleArn, "tenant-1", "saas"));
        Assert.Equal(expected, tenant.Session.Fetcher.Endpoint);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task StartAsync_AwsOptionsFactoryResolvingTheRoleWithoutRegion_FailsSayingToSetTheRegion()
    {
        // The role's STS region is read from this very AWSOptions: without a guard DI would recurse.
        using var host = DiTestHost.BuildHost(_engine, (s, _) =>
        {
            s.AddDefaultAWSOptions(sp => new AWSOptions { Region = RegionEndpoint.EUWest1, Credentials = sp.GetRequiredService<AWSCredentials>() });
            s.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn);
        });

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync(Ct));

        Assert.Contains("AssumeRole:Region", ex.ToString());
    }

    [Fact]
    public async Task StartAsync_AwsOptionsFactoryResolvingTheRoleOnAnotherThread_FailsSayingToSetTheRegion()
    {
        // Audit of issue 15: the guard was per thread, so a factory resolving the role through Task.Run(…).Result (sync
        // over async) blocked on the region it was deciding, and host.StartAsync() never returned.
        using var host = DiTestHost.BuildHost(_engine, (s, _) =>
        {
            s.AddDefaultAWSOptions(sp => new AWSOptions
            {
                Region = RegionEndpoint.EUWest1,
                Credentials = Task.Run(() => sp.GetRequiredService<AWSCredentials>()).GetAwaiter().GetResult(),
            });
            s.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn);
        });

        // Started as Main starts a host: on a thread that is not a pool thread (a pool thread would run the inner task
        // inline and hit the guard by luck); bounded by real time, since before the fix the start blocked for good.
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var main = new Thread(() =>
        {
            try
            {
                host.StartAsync(Ct).GetAwaiter().GetResult();
                start.SetResult();
            }
            catch (Exception e)
            {
                start.SetException(e);
            }
        }) { IsBackground = true };
        main.Start();
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => start.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct));

        Assert.IsNotType<TimeoutException>(ex);
        Assert.Contains("AssumeRole:Region", ex.ToString());
    }

    [Fact]
    public async Task StartAsync_RoleCredentialsCannotBeBuiltYet_StartsWithoutBuildingThem()
    {
        // Review of issue 15: the start-up check built the role's credentials to compare references, so a machine
        // without source credentials at start-up (a test suite, a CI run) no longer started at all.
        using var host = DiTestHost.BuildHost(_engine, (s, _) =>
        {
            s.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn);
            s.AddKeyedSingleton<AssumeRoleCredentials>(AssumeRoleOptions.DefaultRoleName, (_, _) => throw new InvalidOperationException("no source credentials yet"));
        });

        await host.StartAsync(Ct);

        // The stand-in is what a client would get: building the role's credentials really fails in this host.
        var ex = Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<AWSOptions>());
        Assert.Equal("no source credentials yet", ex.Message);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task StartAsync_ScopedAwsOptionsInDevelopment_StartsAndScopedClientsGetTheRole()
    {
        // Review of issue 15: the check resolved a scoped AWSOptions from the root provider, which Development's scope
        // validation refuses ("Cannot resolve scoped service … from root provider").
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development });
        builder.ConfigureContainer(new DefaultServiceProviderFactory(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true }));
        builder.Services.UseEngine(_engine);
        builder.Services.AddDefaultAWSOptions(_ => new AWSOptions { Region = RegionEndpoint.EUWest1 }, ServiceLifetime.Scoped);
        builder.Services.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn);
        builder.Services.AddAWSService<IAmazonSecurityTokenService>(ServiceLifetime.Scoped);
        using var host = builder.Build();

        await host.StartAsync(Ct);

        using var scope = host.Services.CreateScope();
        var client = scope.ServiceProvider.GetRequiredService<IAmazonSecurityTokenService>();
        Assert.Same(host.Services.GetRequiredService<AssumeRoleCredentials>(), DiTestHost.CredentialsOf(client));
        Assert.Equal("sts.eu-west-1 (regional endpoint)", host.Services.GetRequiredService<AssumeRoleCredentials>().Session.Fetcher.Endpoint);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task StartAsync_AwsOptionsFactoryResolvingANamedRoleWithoutRegion_FailsNamingThatRole()
    {
        using var host = DiTestHost.BuildHost(_engine, (s, _) =>
        {
            s.AddAssumeRole("billing", o => o.RoleArn = TestEngine.RoleArn);
            s.AddDefaultAWSOptions(sp => new AWSOptions { Region = RegionEndpoint.EUWest1, Credentials = sp.GetRequiredKeyedService<AssumeRoleCredentials>("billing") });
            s.AddAWSService<IAmazonSecurityTokenService>();
        });

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync(Ct));

        Assert.Contains("the Region of role 'billing'", ex.ToString());
    }

    [Fact]
    public async Task StartAsync_AwsOptionsFactoryResolvingTheRoleWithRegionSet_Starts()
    {
        using var host = DiTestHost.BuildHost(_engine, (s, _) =>
        {
            s.AddDefaultAWSOptions(sp => new AWSOptions { Region = RegionEndpoint.EUWest1, Credentials = sp.GetRequiredService<AWSCredentials>() });
            s.AddAssumeRole(o => { o.RoleArn = TestEngine.RoleArn; o.Region = "eu-west-1"; });
        });

        await host.StartAsync(Ct);

        Assert.Same(host.Services.GetRequiredService<AssumeRoleCredentials>(), host.Services.GetRequiredService<AWSOptions>().Credentials);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task StartAsync_AwsOptionsRegisteredAfterAddAssumeRole_FailsNamingTheFix()
    {
        using var host = DiTestHost.BuildHost(_engine, (s, _) =>
        {
            s.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn).WithWarmUp();
            s.AddDefaultAWSOptions(new AWSOptions { Region = RegionEndpoint.EUWest1 });
            s.AddAWSService<IAmazonSecurityTokenService>();
        });

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Ct));

        Assert.Contains("registered after AddAssumeRole", ex.Message);
        Assert.Contains("SDK's default credential chain", ex.Message);
        Assert.Contains(TestEngine.RoleArn, ex.Message);
        Assert.Equal(0, _engine.Sts.CallCount); // caught before the warm-up ran
    }

    [Fact]
    public async Task StartAsync_AwsOptionsRegisteredAfterWithOtherCredentials_Fails()
    {
        using var host = DiTestHost.BuildHost(_engine, (s, _) =>
        {
            s.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn);
            s.AddDefaultAWSOptions(new AWSOptions { Credentials = new BasicAWSCredentials("AKIAOTHER0000000000", "other-secret") });
        });

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Ct));

        Assert.Contains("BasicAWSCredentials", ex.Message);
        Assert.DoesNotContain("other-secret", ex.Message);
    }

    [Fact]
    public async Task StartAsync_AwsOptionsRegisteredAfterCarryingTheRole_Starts()
    {
        using var host = DiTestHost.BuildHost(_engine, (s, _) =>
        {
            s.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn);
            s.AddDefaultAWSOptions(sp => new AWSOptions { Region = RegionEndpoint.EUWest1, Credentials = sp.GetRequiredService<AssumeRoleCredentials>() });
            s.AddAWSService<IAmazonSecurityTokenService>();
        });

        await host.StartAsync(Ct);

        var client = host.Services.GetRequiredService<IAmazonSecurityTokenService>();
        Assert.Same(host.Services.GetRequiredService<AssumeRoleCredentials>(), DiTestHost.CredentialsOf(client));
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task StartAsync_SessionRoleArnBesideDefaultRole_FailsBeforeAnyRequest()
    {
        var config = DiTestHost.Memory(new Dictionary<string, string?>
        {
            ["AWS:Region"] = "eu-west-1",
            ["AWS:SessionRoleArn"] = DiTestHost.OtherRoleArn,
            ["AssumeRole:RoleArn"] = TestEngine.RoleArn,
        });
        using var host = DiTestHost.BuildHost(_engine, (s, c) =>
        {
            s.AddAssumeRole(c.GetSection("AssumeRole")).WithWarmUp().WithHealthCheck();
            s.AddAWSService<IAmazonSecurityTokenService>();
        }, config);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Ct));

        Assert.Contains("SessionRoleArn", ex.Message);
        Assert.Contains("'default'", ex.Message);
        Assert.Equal(0, _engine.Sts.CallCount);
    }

    [Fact]
    public async Task StartAsync_SessionRoleArnBesideNamedRoleWithClients_Fails()
    {
        var config = DiTestHost.Memory(new Dictionary<string, string?> { ["AWS:SessionRoleArn"] = DiTestHost.OtherRoleArn });
        using var host = DiTestHost.BuildHost(_engine, (s, _) =>
            s.AddAssumeRole("billing", o => o.RoleArn = TestEngine.RoleArn).AddAWSService<IAmazonSecurityTokenService>(), config);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Ct));

        Assert.Contains("SessionRoleArn", ex.Message);
        Assert.Contains("'billing'", ex.Message);
    }

    [Fact]
    public async Task StartAsync_BoundSectionMissing_FailsNamingTheSection()
    {
        var config = DiTestHost.Memory(new Dictionary<string, string?> { ["AssumeRole:RoleArn"] = TestEngine.RoleArn });
        using var host = DiTestHost.BuildHost(_engine, (s, c) => s.AddAssumeRole(c.GetSection("AsumeRole")), config);

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.StartsWith("Role 'default': the configuration section 'AsumeRole' it is bound to is missing or empty", ex.Failures.First(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_NamedRoleSectionEmptyButConfiguredInCode_StillFailsNamingTheSection()
    {
        var config = DiTestHost.Memory(new Dictionary<string, string?> { ["AssumeRole:Roles:billing:RoleArn"] = TestEngine.RoleArn });
        using var host = DiTestHost.BuildHost(_engine, (s, c) =>
            s.AddAssumeRole("billing", c.GetSection("AssumeRole:Roles:biling")).Configure((o, _) => o.RoleArn ??= TestEngine.RoleArn), config);

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("Role 'billing': the configuration section 'AssumeRole:Roles:biling'", ex.Message);
    }

    [Fact]
    public async Task StartAsync_OptionsConfiguredForNameDefault_FailsPointingAtTheConstant()
    {
        using var host = DiTestHost.BuildHost(_engine, (s, _) =>
        {
            s.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn);
            s.Configure<AssumeRoleOptions>("default", o => o.DurationSeconds = 7200);
        });

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("configured for the name \"default\"", ex.Message);
        Assert.Contains("AssumeRoleOptions.DefaultRoleName", ex.Message);
    }

    [Fact]
    public async Task StartAsync_OptionsConfiguredForDefaultRoleName_ConfigureTheDefaultRole()
    {
        using var host = DiTestHost.BuildHost(_engine, (s, _) =>
        {
            s.AddAssumeRole();
            s.Configure<AssumeRoleOptions>(AssumeRoleOptions.DefaultRoleName, o => o.RoleArn = TestEngine.RoleArn);
        });

        await host.StartAsync(Ct);

        Assert.Equal(TestEngine.RoleArn, host.Services.GetRequiredKeyedService<AssumeRoleCredentials>(AssumeRoleOptions.DefaultRoleName).RoleArn);
        Assert.Equal(AssumeRoleOptions.DefaultRoleName, Options.DefaultName);
        await host.StopAsync(Ct);
    }

    [Fact]
    public void AddAssumeRole_NamedDefault_IsRefusedAtRegistration()
    {
        var services = new ServiceCollection();

        var ex = Assert.Throws<ArgumentException>(() => services.AddAssumeRole("default", o => o.RoleArn = TestEngine.RoleArn));

        Assert.Contains("AssumeRoleOptions.DefaultRoleName", ex.Message);
    }
}
