using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AssumeRole.Extensions.Tests.Diagnostics;

public sealed class AssumeRoleHealthCheckTests
{
    [Fact]
    public async Task CheckHealth_ScriptedOutage_GoesHealthyDegradedUnhealthyHealthy()
    {
        using var o = new ObservedEngine("HealthOutage");
        using var provider = o.Create();
        var check = new AssumeRoleHealthCheck(provider);
        await provider.WarmUpAsync(TestContext.Current.CancellationToken);

        var healthy = await CheckAsync(check);
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.Equal(3600d, healthy.Data["secondsLeft"]);
        Assert.Equal(0, healthy.Data["consecutiveFailures"]);
        Assert.Equal(o.RoleArn, healthy.Data["roleArn"]);

        // STS goes down just before the refresh point: the proactive refresh fails, the current credentials remain.
        o.Sts.Always = _ => FakeSts.Internal();
        await o.AdvanceAsync(TimeSpan.FromMinutes(45), provider);
        var degraded = await CheckAsync(check);
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Equal("InternalFailure", degraded.Data["lastErrorCode"]);
        Assert.Equal(1, degraded.Data["consecutiveFailures"]);
        Assert.Equal(900d, degraded.Data["secondsLeft"]);

        // The outage outlasts the credentials' usable life (expiry minus the mandatory minute).
        await o.AdvanceAsync(TimeSpan.FromMinutes(16), provider, steps: 16);
        var unhealthy = await CheckAsync(check);
        Assert.Equal(HealthStatus.Unhealthy, unhealthy.Status);
        Assert.Equal(0d, unhealthy.Data["secondsLeft"]);
        Assert.True((int)unhealthy.Data["consecutiveFailures"] > 1);
        Assert.Equal("InternalFailure", unhealthy.Data["lastErrorCode"]);

        // STS is back: the next backoff retry (at most 5 minutes away) refreshes.
        o.Sts.Always = null;
        await o.AdvanceAsync(TimeSpan.FromMinutes(5), provider, steps: 5);
        var recovered = await CheckAsync(check);
        Assert.Equal(HealthStatus.Healthy, recovered.Status);
        Assert.Equal(0, recovered.Data["consecutiveFailures"]);
        Assert.False(recovered.Data.ContainsKey("lastErrorCode"));
    }

    [Fact]
    public async Task CheckHealth_NothingFetchedYet_IsHealthyAndSaysSo()
    {
        using var o = new ObservedEngine("HealthCold");
        using var provider = o.Create();

        var result = await CheckAsync(new AssumeRoleHealthCheck(provider));

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Contains("No credentials fetched yet", result.Description, StringComparison.Ordinal);
        Assert.Equal(0, o.Sts.CallCount);
    }

    [Fact]
    public async Task CheckHealth_ColdFetchDenied_ReportsTheRegistrationsFailureStatusAndErrorCode()
    {
        using var o = new ObservedEngine("HealthDenied");
        using var provider = o.Create();
        o.Sts.FailNext(FakeSts.AccessDenied(o.RoleArn));
        await Assert.ThrowsAsync<AssumeRoleException>(() => provider.WarmUpAsync(TestContext.Current.CancellationToken));
        var check = new AssumeRoleHealthCheck(provider);

        var result = await check.CheckHealthAsync(
            new HealthCheckContext { Registration = new HealthCheckRegistration("r", check, HealthStatus.Degraded, null) },
            TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal("AccessDenied", result.Data["lastErrorCode"]);
        Assert.Contains("no valid credentials remain", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckHealth_DisposedProvider_IsUnhealthy()
    {
        using var o = new ObservedEngine("HealthDisposed");
        var provider = o.Create();
        await provider.WarmUpAsync(TestContext.Current.CancellationToken);
        provider.Dispose();

        var result = await CheckAsync(new AssumeRoleHealthCheck(provider));

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("disposed", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddAssumeRoleCheck_Registered_RunsThroughHealthCheckServiceWithTags()
    {
        using var o = new ObservedEngine("HealthDi");
        using var provider = o.Create();
        await provider.WarmUpAsync(TestContext.Current.CancellationToken);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddHealthChecks().AddAssumeRoleCheck("demo-role", _ => provider, tags: ["ready"]);
        await using var sp = services.BuildServiceProvider();

        var report = await sp.GetRequiredService<HealthCheckService>().CheckHealthAsync(TestContext.Current.CancellationToken);

        var entry = report.Entries["demo-role"];
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal(["ready"], entry.Tags);
        Assert.Equal(o.RoleArn, entry.Data["roleArn"]);
    }

    private static Task<HealthCheckResult> CheckAsync(AssumeRoleHealthCheck check) =>
        check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);
}
