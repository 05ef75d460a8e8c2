using AssumeRole.Extensions.MultiTenant;
using AssumeRole.Extensions.Tests.DependencyInjection;
using AssumeRole.Extensions.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Sessions are process-wide and their key did not include the multi-tenant factory, yet each tenant session's
/// fetcher held that factory's rate gate. Once one DI container was disposed, the next container in the same process
/// reused the session and every refresh failed with <see cref="ObjectDisposedException"/>, with no STS call; a plain
/// provider with the same parameters shared (and was rate-limited by) the factory's session. A <c>Lease</c> racing
/// the factory's <c>Dispose</c> could add a provider that nobody disposed.
/// </summary>
public sealed class IssuesTestsTenantSessionKeepsFactoryGate
{
    private const string Tenant = "arn:aws:iam::100000000001:role/Tenant";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly TestEngine _engine = new();

    [Fact]
    public async Task SecondContainer_SameTenantAfterFirstContainerDisposed_RefreshesThroughStsAgain()
    {
        await using (var first = Container())
        {
            await first.GetRequiredService<IAssumeRoleCredentialsFactory>().GetCredentials(Tenant, "ext-1").GetCredentialsAsync();
        }

        await using var second = Container();
        var credentials = second.GetRequiredService<IAssumeRoleCredentialsFactory>().GetCredentials(Tenant, "ext-1");
        await credentials.GetCredentialsAsync();

        // In use (so neither the factory nor the cache evicts it) until past the first session's expiry: whichever
        // session the second container uses must be able to refresh.
        for (var minutes = 9; minutes <= 63; minutes += 9)
        {
            await _engine.AdvanceAllAsync(TimeSpan.FromMinutes(9));
            Assert.NotNull(await credentials.GetCredentialsAsync().WaitAsync(Bound, TestContext.Current.CancellationToken));
        }

        Assert.True(_engine.Sts.CallCount >= 2);
    }

    [Fact]
    public async Task PlainProvider_SameParametersAsATenant_DoesNotShareTheFactorysSession()
    {
        var plain = _engine.Create(o =>
        {
            o.RoleArn = Tenant;
            o.ExternalId = "ext-1";
            o.RoleSessionName = "saas";
            o.MaxStsRetries = 0;
        });
        await using (var container = Container(o => o.RoleSessionName = "saas"))
        {
            var factory = container.GetRequiredService<TenantCredentialsFactory>();
            var tenant = factory.Lease(((TenantCredentials)factory.GetCredentials(Tenant, "ext-1")).Key);
            Assert.NotSame(plain.Session, tenant.Session);
            await tenant.GetCredentialsAsync(TestContext.Current.CancellationToken);
        }

        // The factory (and its gate) are gone; the plain provider refreshes on its own.
        await _engine.AdvanceAllAsync(TimeSpan.FromMinutes(61));
        Assert.NotNull(await plain.GetCredentialsAsync(TestContext.Current.CancellationToken).WaitAsync(Bound, TestContext.Current.CancellationToken));
        plain.Dispose();
    }

    [Fact]
    public async Task Lease_FactoryDisposedWhileTheProviderIsBeingCreated_ThrowsAndLeavesNoLeasedSession()
    {
        using var hub = _engine.Create(o => o.RoleArn = "arn:aws:iam::111111111111:role/Hub");
        var services = new BlockingServices(hub);
        var factory = new TenantCredentialsFactory(Options.Create(new MultiTenantOptions { SourceRole = "hub" }), _engine.Context, services);

        var lease = Task.Run(() => factory.Lease(new TenantKey(Tenant, null, "saas")), TestContext.Current.CancellationToken);
        // Polled against the monotonic clock: a timed Wait returns early under libfaketime's shifted clock (CI's rerun).
        Assert.True(SpinWait.SpinUntil(() => services.Entered.IsSet, Bound), "the provider's creation never started");
        factory.Dispose();
        services.Release.Set();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => lease.WaitAsync(Bound, TestContext.Current.CancellationToken));
        Assert.All(_engine.Cache.Snapshot().Where(s => s.RoleArn == Tenant), s => Assert.True(s.Leases <= 0));
    }

    private ServiceProvider Container(Action<MultiTenantOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.UseEngine(_engine);
        services.AddAssumeRoleMultiTenant(o =>
        {
            o.SourceCredentials = TestEngine.Source();
            configure?.Invoke(o);
        });
        return services.BuildServiceProvider();
    }

    /// <summary>Resolves the source role, but only once the test lets it: the factory is then mid-creation.</summary>
    private sealed class BlockingServices(AssumeRoleCredentials hub) : IKeyedServiceProvider
    {
        public ManualResetEventSlim Entered { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        public object? GetService(Type serviceType) => null;

        public object? GetKeyedService(Type serviceType, object? serviceKey)
        {
            Entered.Set();
            Release.Wait(Bound);
            return serviceType == typeof(AssumeRoleCredentials) ? hub : null;
        }

        public object GetRequiredKeyedService(Type serviceType, object? serviceKey) =>
            GetKeyedService(serviceType, serviceKey) ?? throw new InvalidOperationException($"No {serviceType}.");
    }
}
