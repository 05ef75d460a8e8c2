using AssumeRole.Extensions.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AssumeRole.Extensions.Tests.DependencyInjection;

public sealed class AssumeRoleHealthCheckRegistrationTests
{
    [Fact]
    public async Task WithHealthCheck_DefaultAndNamedRoles_EachReportsOnItsOwnProvider()
    {
        var engine = new TestEngine();
        var services = new ServiceCollection();
        services.AddLogging();
        services.UseEngine(engine);
        services.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn).WithHealthCheck(tags: ["ready"]);
        services.AddAssumeRole("billing", o => o.RoleArn = DiTestHost.OtherRoleArn).WithHealthCheck(HealthStatus.Degraded);
        await using var sp = services.BuildServiceProvider();
        await sp.GetRequiredService<AssumeRoleCredentials>().WarmUpAsync(TestContext.Current.CancellationToken);

        // The named role's first fetch is denied: its check reports the registration's failure status.
        engine.Sts.Always = r => r.RoleArn == DiTestHost.OtherRoleArn ? FakeSts.AccessDenied(r.RoleArn) : null;
        await Assert.ThrowsAsync<AssumeRoleException>(() => sp.GetRequiredKeyedService<AssumeRoleCredentials>("billing").WarmUpAsync(TestContext.Current.CancellationToken));
        var report = await sp.GetRequiredService<HealthCheckService>().CheckHealthAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Healthy, report.Entries["assume-role"].Status);
        Assert.Equal(["ready"], report.Entries["assume-role"].Tags);
        Assert.Equal(TestEngine.RoleArn, report.Entries["assume-role"].Data["roleArn"]);
        Assert.Equal(HealthStatus.Degraded, report.Entries["assume-role:billing"].Status);
        Assert.Equal("AccessDenied", report.Entries["assume-role:billing"].Data["lastErrorCode"]);
    }
}
