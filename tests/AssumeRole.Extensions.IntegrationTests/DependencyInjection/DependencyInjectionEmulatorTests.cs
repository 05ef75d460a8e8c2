using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AssumeRole.Extensions.IntegrationTests.DependencyInjection;

/// <summary>
/// The DI integration end to end: a real <see cref="IHost"/>, the SDK's own <c>AddAWSService&lt;T&gt;()</c> clients
/// signing SigV4 over loopback against the emulator, our role supplying their credentials.
/// </summary>
public sealed class DependencyInjectionEmulatorTests : IAsyncLifetime
{
    private const string RoleArn = "arn:aws:iam::123456789012:role/app/Reader";
    private const string BillingArn = "arn:aws:iam::123456789012:role/Billing";

    private EmulatorFixture _sts = null!;
    private EmulatedUser _alice = null!;

    public async ValueTask InitializeAsync()
    {
        _sts = await EmulatorFixture.StartAsync();
        _alice = _sts.Emulator.AddUser("alice");
        _sts.Emulator.AddRole(RoleArn);
        _sts.Emulator.AddRole(BillingArn);
    }

    public ValueTask DisposeAsync() => _sts.DisposeAsync();

    private IHost BuildHost(Action<IServiceCollection, IConfiguration> configure)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            // What an appsettings.json would say: the SDK clients' endpoint, and the role.
            ["AWS:ServiceURL"] = _sts.Emulator.Endpoint.ToString(),
            ["AWS:AuthenticationRegion"] = "us-east-1",
            ["AssumeRole:RoleArn"] = RoleArn,
            ["AssumeRole:RoleSessionName"] = "di-session",
            ["AssumeRole:ServiceUrl"] = _sts.Emulator.Endpoint.ToString(),
            ["AssumeRole:Region"] = "us-east-1",
            ["AssumeRole:Roles:billing:RoleArn"] = BillingArn,
            ["AssumeRole:Roles:billing:ServiceUrl"] = _sts.Emulator.Endpoint.ToString(),
            ["AssumeRole:Roles:billing:Region"] = "us-east-1",
        });
        builder.Services.AddSingleton<TimeProvider>(_sts.Time);
        var source = new BasicAWSCredentials(_alice.AccessKeyId, _alice.SecretAccessKey);
        builder.Services.PostConfigureAll<AssumeRoleOptions>(o => o.SourceCredentials ??= source);
        configure(builder.Services, builder.Configuration);
        return builder.Build();
    }

    [Fact]
    public async Task AddAWSService_DefaultRole_GetCallerIdentityReturnsTheAssumedRole()
    {
        using var host = BuildHost((s, config) =>
        {
            s.AddAssumeRole(config.GetSection("AssumeRole"));
            s.AddAWSService<IAmazonSecurityTokenService>();
        });
        await host.StartAsync(TestContext.Current.CancellationToken);

        var sts = host.Services.GetRequiredService<IAmazonSecurityTokenService>();
        var identity = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken);

        Assert.Equal("arn:aws:sts::123456789012:assumed-role/Reader/di-session", identity.Arn);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task AddAWSService_ThreeClientsOfOneRole_OneAssumeRoleCall()
    {
        using var host = BuildHost((s, config) =>
        {
            s.AddAssumeRole(config.GetSection("AssumeRole")).WithWarmUp();
            s.AddAWSService<IAmazonSecurityTokenService>(ServiceLifetime.Transient);
        });
        await host.StartAsync(TestContext.Current.CancellationToken);

        var clients = Enumerable.Range(0, 3).Select(_ => host.Services.GetRequiredService<IAmazonSecurityTokenService>()).ToList();
        var identities = await Task.WhenAll(clients.Select(c => c.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken)));

        Assert.Equal(3, clients.Distinct().Count());
        Assert.All(identities, i => Assert.Equal("arn:aws:sts::123456789012:assumed-role/Reader/di-session", i.Arn));
        Assert.Equal(1, _sts.Emulator.CountCalls("AssumeRole", RoleArn));
        Assert.Equal(3, _sts.Emulator.CountCalls("GetCallerIdentity"));
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task AddAWSService_NamedRole_KeyedClientIdentifiesAsThatRole()
    {
        using var host = BuildHost((s, config) =>
        {
            s.AddAssumeRole(config.GetSection("AssumeRole")).AddAWSService<IAmazonSecurityTokenService>();
            s.AddAssumeRole("billing", config.GetSection("AssumeRole:Roles:billing")).AddAWSService<IAmazonSecurityTokenService>();
        });
        await host.StartAsync(TestContext.Current.CancellationToken);

        var billing = host.Services.GetRequiredKeyedService<IAmazonSecurityTokenService>("billing");
        var @default = host.Services.GetRequiredService<IAmazonSecurityTokenService>();
        var billingIdentity = await billing.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken);
        var defaultIdentity = await @default.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken);

        Assert.StartsWith("arn:aws:sts::123456789012:assumed-role/Billing/", billingIdentity.Arn, StringComparison.Ordinal);
        Assert.Equal("arn:aws:sts::123456789012:assumed-role/Reader/di-session", defaultIdentity.Arn);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData("eu-west-1", true)]
    [InlineData("us-east-1", false)]
    public async Task ReadmeQuickStart_StsSignedForTheAwsSectionsRegion_EmulatorChecksIt(string awsRegion, bool succeeds)
    {
        // Issue 15: the README's quick start (AWS:Region + an AssumeRole section) sends STS to AWS:Region. An emulator in
        // eu-west-1 verifies the signing region (as STS does), so the role is assumed only when STS went there.
        await using var euWest1 = await EmulatorFixture.StartAsync(o => o.Region = "eu-west-1");
        var alice = euWest1.Emulator.AddUser("alice");
        euWest1.Emulator.AddRole(RoleArn);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AWS:Region"] = awsRegion,
            ["AssumeRole:RoleArn"] = RoleArn,
            ["AssumeRole:DurationSeconds"] = "3600",
            ["AssumeRole:ServiceUrl"] = euWest1.Emulator.Endpoint.ToString(), // the emulator instead of sts.REGION.amazonaws.com
        });
        builder.Services.AddSingleton<TimeProvider>(euWest1.Time);
        builder.Services.AddAssumeRole(builder.Configuration.GetSection("AssumeRole"))
            .Configure((o, _) => o.SourceCredentials = new BasicAWSCredentials(alice.AccessKeyId, alice.SecretAccessKey))
            .WithWarmUp();
        using var host = builder.Build();

        if (succeeds)
        {
            await host.StartAsync(TestContext.Current.CancellationToken);
            Assert.Equal(StsCallRecord.SuccessOutcome, Assert.Single(euWest1.Emulator.Calls).Outcome);
            await host.StopAsync(TestContext.Current.CancellationToken);
        }
        else
        {
            var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => host.StartAsync(TestContext.Current.CancellationToken));
            Assert.Equal("SignatureDoesNotMatch", ex.ErrorCode);
        }
    }
}
