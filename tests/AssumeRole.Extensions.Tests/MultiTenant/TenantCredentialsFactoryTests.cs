using System.Collections.Concurrent;
using AssumeRole.Extensions.MultiTenant;
using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Sts;
using AssumeRole.Extensions.Tests.DependencyInjection;
using AssumeRole.Extensions.Tests.Fakes;
using Amazon.SecurityToken.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AssumeRole.Extensions.Tests.MultiTenant;

public sealed class TenantCredentialsFactoryTests
{
    private readonly TestEngine _engine = new();
    private readonly ConcurrentQueue<(DateTimeOffset At, string RoleArn)> _calls = new();

    private static string TenantRole(int i) => $"arn:aws:iam::{100000000000 + i}:role/Tenant";

    private ServiceProvider CreateSut(Action<MultiTenantOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.UseEngine(_engine);

        // The engine's context with an STS that notes the (fake) time of every call.
        var recording = new RecordingGateway(_engine.Sts, _calls);
        services.AddSingleton(new AssumeRoleContext(_engine.Time, NullLoggerFactory.Instance, _engine.Cache, (_, _, _) => (recording, false), _engine.Caps, () => 0));
        services.AddAssumeRoleMultiTenant(o =>
        {
            o.SourceCredentials = TestEngine.Source();
            configure?.Invoke(o);
        });
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task GetCredentials_SameTenantManyTimes_OneStsCall()
    {
        using var sp = CreateSut();
        var factory = sp.GetRequiredService<IAssumeRoleCredentialsFactory>();

        for (var i = 0; i < 5; i++)
        {
            await factory.GetCredentials(TenantRole(1), "ext-1").GetCredentialsAsync();
        }

        Assert.Equal(1, _engine.Sts.CallCount);
        Assert.Equal("ext-1", _engine.Sts.Calls[0].ExternalId);
    }

    [Fact]
    public async Task GetCredentials_DifferentExternalIds_AreDifferentSessions()
    {
        using var sp = CreateSut();
        var factory = sp.GetRequiredService<IAssumeRoleCredentialsFactory>();

        var a = await factory.GetCredentials(TenantRole(1), "ext-a").GetCredentialsAsync();
        var b = await factory.GetCredentials(TenantRole(1), "ext-b").GetCredentialsAsync();

        Assert.NotEqual(a.AccessKey, b.AccessKey);
        Assert.Equal(2, _engine.Sts.CallCount);
    }

    [Fact]
    public async Task GetCredentials_SessionName_FromCallerElseOptions()
    {
        using var sp = CreateSut(o => o.RoleSessionName = "saas-default");
        var factory = sp.GetRequiredService<IAssumeRoleCredentialsFactory>();

        await factory.GetCredentials(TenantRole(1)).GetCredentialsAsync();
        await factory.GetCredentials(TenantRole(2), roleSessionName: "custom").GetCredentialsAsync();

        Assert.Equal(["saas-default", "custom"], _engine.Sts.Calls.Select(c => c.RoleSessionName));
    }

    [Fact]
    public void GetCredentials_InvalidExternalId_ThrowsWithoutEchoingIt()
    {
        using var sp = CreateSut();
        var factory = sp.GetRequiredService<IAssumeRoleCredentialsFactory>();

        var ex = Assert.Throws<ArgumentException>(() => factory.GetCredentials(TenantRole(1), "bad secret!"));

        Assert.Equal("externalId", ex.ParamName);
        Assert.StartsWith("externalId (secret, 11 characters, not shown)", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("bad secret!", ex.Message);
        Assert.DoesNotContain("bad secret!", factory.GetCredentials(TenantRole(1), "good-secret").ToString());
        Assert.DoesNotContain("good-secret", factory.GetCredentials(TenantRole(1), "good-secret").ToString());
    }

    [Fact]
    public async Task EvictIdle_UnusedTenant_DisposedAndTransparentlyRecreated()
    {
        using var sp = CreateSut(o => o.IdleTimeout = TimeSpan.FromMinutes(5));
        var factory = sp.GetRequiredService<TenantCredentialsFactory>();
        var credentials = factory.GetCredentials(TenantRole(1), "ext-1");
        await credentials.GetCredentialsAsync();
        var first = factory.Lease(((TenantCredentials)credentials).Key);

        _engine.Time.Advance(TimeSpan.FromMinutes(6)); // the sweep timer runs on the fake clock

        Assert.Equal(0, factory.Count);
        Assert.Throws<ObjectDisposedException>(() => first.GetCredentials());
        var again = await credentials.GetCredentialsAsync();
        Assert.NotNull(again);
        Assert.Equal(1, factory.Count);
    }

    [Fact]
    public async Task Lease_BeyondMaxTenants_EvictsLeastRecentlyUsed()
    {
        using var sp = CreateSut(o => o.MaxTenants = 10);
        var factory = sp.GetRequiredService<TenantCredentialsFactory>();
        var keep = factory.GetCredentials(TenantRole(0));
        for (var i = 1; i <= 10; i++)
        {
            _engine.Time.Advance(TimeSpan.FromSeconds(1));
            factory.GetCredentials(TenantRole(i));
            await keep.GetCredentialsAsync(); // tenant 0 stays the most recently used
        }

        Assert.True(factory.Count <= 10);
        Assert.Contains(_calls, c => c.RoleArn == TenantRole(0));
        Assert.Equal(1, _calls.Count(c => c.RoleArn == TenantRole(0)));
    }

    [Fact]
    public async Task ColdStart_1000Tenants_StaysWithinStsRateAndCallsEachOnce()
    {
        const int tenants = 1000;
        const int rate = 50;
        using var sp = CreateSut(o => o.StsCallsPerSecond = rate);
        var factory = sp.GetRequiredService<IAssumeRoleCredentialsFactory>();
        var start = _engine.Time.GetUtcNow();

        var warmUps = Enumerable.Range(0, tenants)
            .Select(i => factory.GetCredentials(TenantRole(i), $"ext-{i:D4}").GetCredentialsAsync())
            .ToList();
        var all = Task.WhenAll(warmUps);

        // Drive the fake clock one second at a time; after each tick wait (by condition, not by time) until the calls
        // the limiter let through have been made.
        for (var second = 0; !all.IsCompleted; second++)
        {
            var expected = Math.Min(tenants, rate * (second + 1));
            Assert.True(SpinWait.SpinUntil(() => _calls.Count >= expected, TimeSpan.FromSeconds(30)), $"stalled at {_calls.Count} calls");
            Assert.Equal(expected, _calls.Count);
            if (_calls.Count == tenants)
            {
                break;
            }

            _engine.Time.Advance(TimeSpan.FromSeconds(1));
        }

        await all.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        var calls = _calls.ToArray();
        Assert.Equal(tenants, calls.Length);
        Assert.All(calls.GroupBy(c => c.RoleArn), g => Assert.Single(g));

        // No one-second window holds more than the configured rate.
        foreach (var call in calls)
        {
            Assert.True(calls.Count(c => c.At >= call.At && c.At < call.At + TimeSpan.FromSeconds(1)) <= rate);
        }

        Assert.Equal(TimeSpan.FromSeconds((tenants / rate) - 1), calls.Max(c => c.At) - start);
    }

    [Fact]
    public async Task ColdStart_QueueFull_FailsFastWithTransientError()
    {
        using var sp = CreateSut(o => { o.StsCallsPerSecond = 1; o.QueueLimit = 0; });
        var factory = sp.GetRequiredService<IAssumeRoleCredentialsFactory>();

        await factory.GetCredentials(TenantRole(1)).GetCredentialsAsync();
        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => factory.GetCredentials(TenantRole(2)).GetCredentialsAsync());

        Assert.Equal("RateLimited", ex.ErrorCode);
        Assert.True(ex.IsTransient);
        Assert.Equal(1, _engine.Sts.CallCount);
    }

    [Fact]
    public async Task Dispose_Container_DisposesTenantProviders()
    {
        var sp = CreateSut();
        var factory = sp.GetRequiredService<TenantCredentialsFactory>();
        var credentials = factory.GetCredentials(TenantRole(1));
        await credentials.GetCredentialsAsync();
        var provider = factory.Lease(((TenantCredentials)credentials).Key);

        await sp.DisposeAsync();

        Assert.Throws<ObjectDisposedException>(() => provider.GetCredentials());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => credentials.GetCredentialsAsync());
    }

    [Fact]
    public async Task AddAssumeRoleMultiTenant_SourceRole_TenantsAssumedFromTheHubRole()
    {
        var services = new ServiceCollection();
        services.UseEngine(_engine);
        services.AddAssumeRole("hub", o => o.RoleArn = DiTestHost.OtherRoleArn);
        services.AddAssumeRoleMultiTenant(o => o.SourceRole = "hub");
        using var sp = services.BuildServiceProvider();

        var factory = sp.GetRequiredService<TenantCredentialsFactory>();
        var tenant = factory.Lease(((TenantCredentials)factory.GetCredentials(TenantRole(1))).Key);
        var hub = sp.GetRequiredKeyedService<AssumeRoleCredentials>("hub");

        // The tenant session's source is the hub's session (the in-memory STS ignores who calls it).
        Assert.Same(hub.Session, tenant.Session.SourceSession);
        await tenant.GetCredentialsAsync(TestContext.Current.CancellationToken);
        Assert.Equal([TenantRole(1)], _engine.Sts.Calls.Select(c => c.RoleArn));
    }

    [Fact]
    public async Task AddAssumeRoleMultiTenant_BuilderConfigureWithServices_TakesTheSourceFromTheContainer()
    {
        var services = new ServiceCollection();
        services.UseEngine(_engine);
        services.AddAssumeRole("hub", o => o.RoleArn = DiTestHost.OtherRoleArn);
        services.AddAssumeRoleMultiTenant(o => o.MaxTenants = 7)
            .Configure((o, sp) => o.SourceCredentials = sp.GetRequiredKeyedService<AssumeRoleCredentials>("hub"));
        using var sp = services.BuildServiceProvider();

        var options = sp.GetRequiredService<IOptions<MultiTenantOptions>>().Value;
        Assert.Equal(7, options.MaxTenants);
        var factory = sp.GetRequiredService<TenantCredentialsFactory>();
        var tenant = factory.Lease(((TenantCredentials)factory.GetCredentials(TenantRole(1))).Key);
        var hub = sp.GetRequiredKeyedService<AssumeRoleCredentials>("hub");
        Assert.Same(hub, options.SourceCredentials);
        Assert.Same(hub.Session, tenant.Session.SourceSession);
        await tenant.GetCredentialsAsync(TestContext.Current.CancellationToken);
        Assert.Equal([TenantRole(1)], _engine.Sts.Calls.Select(c => c.RoleArn));
    }

    [Theory]
    [InlineData(nameof(MultiTenantOptions.StsCallsPerSecond), "0")]
    [InlineData(nameof(MultiTenantOptions.MaxTenants), "0")]
    [InlineData(nameof(MultiTenantOptions.IdleTimeout), "00:00:00")]
    [InlineData(nameof(MultiTenantOptions.QueueLimit), "-1")]
    [InlineData(nameof(MultiTenantOptions.MaxStsRetries), "11")]
    [InlineData(nameof(MultiTenantOptions.DurationSeconds), "100")]
    public async Task StartAsync_InvalidMultiTenantOptions_FailsNamingTheField(string field, string value)
    {
        using var host = DiTestHost.BuildHost(
            _engine,
            (s, config) => s.AddAssumeRoleMultiTenant(config.GetSection("MultiTenant")),
            DiTestHost.Memory(new Dictionary<string, string?> { ["MultiTenant:" + field] = value }));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(field, ex.Message);
    }

    private sealed class RecordingGateway(FakeSts inner, ConcurrentQueue<(DateTimeOffset, string)> calls) : IStsGateway
    {
        public Task<StsCredentials> AssumeRoleAsync(AssumeRoleRequest request, CancellationToken cancellationToken)
        {
            calls.Enqueue((inner.Time.GetUtcNow(), request.RoleArn));
            return inner.AssumeRoleAsync(request, cancellationToken);
        }

        public Task<StsCredentials> AssumeRoleWithWebIdentityAsync(AssumeRoleWithWebIdentityRequest request, CancellationToken cancellationToken) =>
            inner.AssumeRoleWithWebIdentityAsync(request, cancellationToken);

        public Task<StsCredentials> GetSessionTokenAsync(GetSessionTokenRequest request, CancellationToken cancellationToken) =>
            inner.GetSessionTokenAsync(request, cancellationToken);

        public Task<string> GetCallerArnAsync(CancellationToken cancellationToken) => inner.GetCallerArnAsync(cancellationToken);

        public void Dispose()
        {
        }
    }
}
