using Amazon.Runtime;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AssumeRole.Extensions.IntegrationTests.DependencyInjection;

/// <summary>The multi-tenant factory against the emulator: a cold start of 1,000 tenant roles, each with its own external ID.</summary>
public sealed class MultiTenantEmulatorTests : IAsyncLifetime
{
    private const int Tenants = 1000;
    private const int Rate = 100;

    private EmulatorFixture _sts = null!;
    private EmulatedUser _saas = null!;

    private static string TenantRole(int i) => $"arn:aws:iam::{200000000000 + i}:role/SaasAccess";

    private static string ExternalId(int i) => $"tenant-{i:D4}-ext";

    public async ValueTask InitializeAsync()
    {
        _sts = await EmulatorFixture.StartAsync();
        _saas = _sts.Emulator.AddUser("saas");
        for (var i = 0; i < Tenants; i++)
        {
            var id = ExternalId(i);
            _sts.Emulator.AddRole(TenantRole(i), o =>
            {
                o.RequiredExternalId = id;
                o.TrustPrincipal(_saas.Arn);
            });
        }
    }

    public ValueTask DisposeAsync() => _sts.DisposeAsync();

    [Fact]
    public async Task ColdStart_1000Tenants_WithinConfiguredRateAndOneCallEach()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_sts.Time);
        services.AddAssumeRoleMultiTenant(o =>
        {
            o.StsCallsPerSecond = Rate;
            o.ServiceUrl = _sts.Emulator.Endpoint.ToString();
            o.Region = "us-east-1";
            o.RoleSessionName = "saas";
            o.SourceCredentials = new BasicAWSCredentials(_saas.AccessKeyId, _saas.SecretAccessKey);
        });
        await using var sp = services.BuildServiceProvider();
        var factory = sp.GetRequiredService<IAssumeRoleCredentialsFactory>();
        var start = _sts.Time.GetUtcNow();

        var all = Task.WhenAll(Enumerable.Range(0, Tenants).Select(i => factory.GetCredentials(TenantRole(i), ExternalId(i)).GetCredentialsAsync()));

        // The emulator runs on the same fake clock; advance it a second at a time once the admitted calls are done.
        for (var second = 0; ; second++)
        {
            var expected = Math.Min(Tenants, Rate * (second + 1));
            Assert.True(SpinWait.SpinUntil(() => Succeeded() >= expected, TimeSpan.FromSeconds(60)), $"stalled at {Succeeded()} calls");
            Assert.Equal(expected, Succeeded());
            if (expected == Tenants)
            {
                break;
            }

            _sts.Time.Advance(TimeSpan.FromSeconds(1));
        }

        var credentials = await all.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        var calls = _sts.Emulator.Calls.Where(c => c.Action == "AssumeRole").ToList();

        Assert.Equal(Tenants, credentials.Select(c => c.AccessKey).Distinct().Count());
        Assert.All(calls, c => Assert.True(c.Succeeded, c.ErrorMessage));
        Assert.All(Enumerable.Range(0, Tenants), i => Assert.Equal(1, _sts.Emulator.CountCalls("AssumeRole", TenantRole(i))));
        foreach (var group in calls.GroupBy(c => (c.Timestamp - start).TotalSeconds))
        {
            Assert.True(group.Count() <= Rate, $"{group.Count()} calls at +{group.Key} s");
        }

        Assert.Equal(TimeSpan.FromSeconds((Tenants / Rate) - 1), calls.Max(c => c.Timestamp) - start);
    }

    private int Succeeded() => _sts.Emulator.CountCalls("AssumeRole");
}
