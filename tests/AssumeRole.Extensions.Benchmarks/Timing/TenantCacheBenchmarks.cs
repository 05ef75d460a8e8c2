using Amazon.Runtime;
using AssumeRole.Extensions.Benchmarks.Infrastructure;
using BenchmarkDotNet.Attributes;

namespace AssumeRole.Extensions.Benchmarks.Timing;

/// <summary>
/// Tenant lookup with <see cref="Tenants"/> role sessions cached: O(1) means the time does not grow from 1,000 to
/// 10,000 tenants. Tenants are visited in a shuffled order so that the lookup is not served from a warm cache line.
/// Ours only: the SDK's provider has no cache (every new provider calls STS), so an app would keep its own dictionary.
/// </summary>
[MemoryDiagnoser]
public class TenantCacheBenchmarks
{
    private TenantFleet _fleet = null!;
    private int[] _order = null!;
    private int _next;

    [Params(1_000, 10_000)]
    public int Tenants { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // Shape the stand-in's credentials like the ones the emulator issues.
        var sts = StsBench.Shared;
        var role = sts.AddRole("tenant-shape");
        using var sample = sts.Ours(role);
        _fleet = TenantFleet.Create(TenantFleet.TenantOptions(Tenants), TenantFleet.CredentialShape.Of(sample.GetCredentials()));
        _order = Enumerable.Range(0, Tenants).ToArray();
        new Random(42).Shuffle(_order);
    }

    [GlobalCleanup]
    public void Cleanup() => _fleet.Dispose();

    /// <summary>A new provider for a tenant whose session is cached, its credentials, and its disposal.</summary>
    [Benchmark(Description = "Ours: new provider + GetCredentials")]
    public ImmutableCredentials Ours_ProviderForCachedTenant() => _fleet.LookUp(NextTenant());

    /// <summary>A provider the app holds per tenant: the warm path of the tenant's session.</summary>
    [Benchmark(Description = "Ours: held provider GetCredentials")]
    public ImmutableCredentials Ours_HeldProvider() => _fleet.Providers[NextTenant()].GetCredentials();

    private int NextTenant()
    {
        var i = _next;
        _next = i + 1 == _order.Length ? 0 : i + 1;
        return _order[i];
    }
}
