using AssumeRole.Extensions.Tests.Fakes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AssumeRole.Extensions.Tests.DependencyInjection;

public sealed class AssumeRoleWarmUpAndReloadTests
{
    private readonly TestEngine _engine = new();

    [Fact]
    public async Task WithWarmUp_HostStart_FetchesEveryMarkedRoleOnce()
    {
        using var host = DiTestHost.BuildHost(_engine, (s, _) =>
        {
            s.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn).WithWarmUp().WithWarmUp();
            s.AddAssumeRole("other", o => o.RoleArn = DiTestHost.OtherRoleArn).WithWarmUp();
            s.AddAssumeRole("cold", o => o.RoleArn = "arn:aws:iam::123456789012:role/Cold");
        });

        await host.StartAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, _engine.Sts.CallCount);
        Assert.Equal([TestEngine.RoleArn, DiTestHost.OtherRoleArn], _engine.Sts.Calls.Select(c => c.RoleArn).Order(StringComparer.Ordinal));
        Assert.NotNull(host.Services.GetRequiredService<AssumeRoleCredentials>().Expiration);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task WithWarmUp_RoleCannotBeAssumed_HostFailsToStart()
    {
        _engine.Sts.Always = r => FakeSts.AccessDenied(r.RoleArn);
        using var host = DiTestHost.BuildHost(_engine, (s, _) => s.AddAssumeRole(o => { o.RoleArn = TestEngine.RoleArn; o.MaxStsRetries = 0; }).WithWarmUp());

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Equal("AccessDenied", ex.ErrorCode);
        Assert.Equal(TestEngine.RoleArn, ex.RoleArn);
    }

    [Fact]
    public async Task Reload_RoleArnChanged_SameProviderServesTheNewRole()
    {
        var config = DiTestHost.Memory(new Dictionary<string, string?> { ["AssumeRole:RoleArn"] = TestEngine.RoleArn });
        var services = new ServiceCollection();
        services.UseEngine(_engine);
        services.AddAssumeRole(config.GetSection("AssumeRole"));
        using var sp = services.BuildServiceProvider();
        var provider = sp.GetRequiredService<AssumeRoleCredentials>();
        var before = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        var oldSession = provider.Session;

        config["AssumeRole:RoleArn"] = DiTestHost.OtherRoleArn;
        config.Reload();
        var after = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.Equal(DiTestHost.OtherRoleArn, provider.RoleArn);
        Assert.Equal(DiTestHost.OtherRoleArn, _engine.Sts.Calls[^1].RoleArn);
        Assert.NotEqual(before.AccessKey, after.AccessKey);
        Assert.Equal(0, oldSession.Leases);
        Assert.Equal(1, provider.Session.Leases);
    }

    [Fact]
    public async Task Reload_SettingsUnchanged_KeepsTheSessionWithoutStsCall()
    {
        var config = DiTestHost.Memory(new Dictionary<string, string?> { ["AssumeRole:RoleArn"] = TestEngine.RoleArn });
        var services = new ServiceCollection();
        services.UseEngine(_engine);
        services.AddAssumeRole(config.GetSection("AssumeRole"));
        using var sp = services.BuildServiceProvider();
        var provider = sp.GetRequiredService<AssumeRoleCredentials>();
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        var session = provider.Session;

        config.Reload();
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.Same(session, provider.Session);
        Assert.Equal(1, session.Leases);
        Assert.Equal(1, _engine.Sts.CallCount);
    }

    [Fact]
    public async Task Reload_InvalidSettings_KeepsServingThePreviousRole()
    {
        var config = DiTestHost.Memory(new Dictionary<string, string?> { ["AssumeRole:RoleArn"] = TestEngine.RoleArn });
        var services = new ServiceCollection();
        services.UseEngine(_engine);
        services.AddAssumeRole(config.GetSection("AssumeRole"));
        using var sp = services.BuildServiceProvider();
        var provider = sp.GetRequiredService<AssumeRoleCredentials>();
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        config["AssumeRole:RoleArn"] = "not-an-arn";

        // Rejected by our options factory (logged as event 41, see IssuesTestsRejectedReloadLogged): nothing is thrown
        // inside the configuration's change callback, and the provider is left untouched.
        config.Reload();
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        Assert.Equal(TestEngine.RoleArn, provider.RoleArn);
        Assert.Equal(1, _engine.Sts.CallCount);
    }

    [Fact]
    public async Task Reload_AfterContainerDisposed_IsIgnored()
    {
        var config = DiTestHost.Memory(new Dictionary<string, string?> { ["AssumeRole:RoleArn"] = TestEngine.RoleArn });
        var services = new ServiceCollection();
        services.UseEngine(_engine);
        services.AddAssumeRole(config.GetSection("AssumeRole"));
        var sp = services.BuildServiceProvider();
        var provider = sp.GetRequiredService<AssumeRoleCredentials>();
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        var session = provider.Session;
        await sp.DisposeAsync();

        config["AssumeRole:RoleArn"] = DiTestHost.OtherRoleArn;
        config.Reload();

        Assert.Throws<ObjectDisposedException>(() => provider.GetCredentials());
        Assert.Equal(0, session.Leases);
        Assert.Equal(1, _engine.Cache.Count); // no session was created for the new role
    }
}
