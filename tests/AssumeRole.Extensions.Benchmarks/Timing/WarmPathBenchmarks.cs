using Amazon.Runtime;
using AssumeRole.Extensions.Benchmarks.Infrastructure;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace AssumeRole.Extensions.Benchmarks.Timing;

/// <summary>
/// The warm path: credentials cached, far from their refresh point (1 h sessions; the SDK refreshes 15 min before
/// expiry, we 15 min before with up to 3 min of jitter). Both providers fetched their credentials from the emulator.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class WarmPathBenchmarks
{
    private AssumeRoleCredentials _ours = null!;
    private AssumeRoleAWSCredentials _sdk = null!;

    [GlobalSetup]
    public void Setup()
    {
        var sts = StsBench.Shared;
        var sdkRole = sts.AddRole("warm-sdk");
        var oursRole = sts.AddRole("warm-ours");
        _sdk = sts.Sdk(sdkRole);
        _ours = sts.Ours(oursRole);
        sts.WarmAndVerify(_sdk, sdkRole);
        sts.WarmAndVerify(_ours, oursRole);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ours.Dispose();
        _sdk.Dispose();
    }

    /// <summary>Reference: the monotonic clock our warm path reads on every call (TimeProvider.System).</summary>
    [Benchmark(Description = "Environment.TickCount64 (reference)")]
    [BenchmarkCategory("GetCredentials()")]
    public long Clock_TickCount64() => Environment.TickCount64;

    [Benchmark(Baseline = true, Description = "SDK")]
    [BenchmarkCategory("GetCredentials()")]
    public ImmutableCredentials Sdk_GetCredentials() => _sdk.GetCredentials();

    [Benchmark(Description = "Ours")]
    [BenchmarkCategory("GetCredentials()")]
    public ImmutableCredentials Ours_GetCredentials() => _ours.GetCredentials();

    [Benchmark(Baseline = true, Description = "SDK")]
    [BenchmarkCategory("GetCredentialsAsync()")]
    public Task<ImmutableCredentials> Sdk_GetCredentialsAsync() => _sdk.GetCredentialsAsync();

    [Benchmark(Description = "Ours")]
    [BenchmarkCategory("GetCredentialsAsync()")]
    public Task<ImmutableCredentials> Ours_GetCredentialsAsync() => _ours.GetCredentialsAsync();
}
