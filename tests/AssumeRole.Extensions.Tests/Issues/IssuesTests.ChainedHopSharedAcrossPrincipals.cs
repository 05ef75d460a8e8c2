using AssumeRole.Extensions.Tests.Fakes;
using Amazon.Runtime;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// A hop whose source is another <see cref="AssumeRoleCredentials"/> (the README's "chaining through DI" recipe) got
/// its second-level key from the source's in-process key, which for a refreshing source holds a per-process counter
/// (<c>"instance:1"</c>) — the same value in every process. Process B, whose hub ran as principal Y, read the spoke
/// session that process A (principal X) wrote, without calling STS. The <c>?? parent.Key</c> fallback taken when
/// <c>GetCallerIdentity</c> failed had the same flaw. Keys now come from cross-process identities only.
/// </summary>
/// <remarks>
/// Two "processes" are two session caches in one test process, so their counters differ; both hubs here use the
/// same source object, which gives them the same in-process id just as the same counter value would in two real
/// processes, while the principal behind it differs (it answers with X's keys in A and Y's in B, and STS reports X,
/// then Y).
/// </remarks>
public sealed class IssuesTestsChainedHopSharedAcrossPrincipals
{
    private const string Hub = "arn:aws:iam::111111111111:role/Hub";
    private const string Spoke = "arn:aws:iam::222222222222:role/Spoke";
    private const string PrincipalX = "arn:aws:sts::111111111111:assumed-role/WorkloadX/i-0aaaaaaaaaaaaaaaa";
    private const string PrincipalY = "arn:aws:sts::111111111111:assumed-role/WorkloadY/i-0bbbbbbbbbbbbbbbb";

    private readonly TestEngine _processA = new(signWithSource: true);
    private readonly TestEngine _processB;
    private readonly IDistributedCache _cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
    private readonly IDataProtectionProvider _keyRing = new EphemeralDataProtectionProvider();
    private readonly SwitchingSource _source = new();

    public IssuesTestsChainedHopSharedAcrossPrincipals()
    {
        _processB = new TestEngine(time: _processA.Time, sts: _processA.Sts, signWithSource: true);
    }

    [Fact]
    public async Task SpokeFromHubProvider_OtherPrincipalInOtherProcess_CallsStsInsteadOfReadingTheSpoke()
    {
        await RunProcessAsync(_processA, PrincipalX, hubCached: false);
        await RunProcessAsync(_processB, PrincipalY, hubCached: false);

        Assert.Equal(2, SpokeCalls());
    }

    [Fact]
    public async Task SpokeFromCachedHub_GetCallerIdentityFails_CallsStsInsteadOfFallingBackToInProcessKey()
    {
        // STS cannot name the hub's source in either process (GetCallerIdentity fails in both).
        _processA.Sts.CallerIdentityFailure = FakeSts.Internal();
        await RunProcessAsync(_processA, PrincipalX, hubCached: true);
        await RunProcessAsync(_processB, PrincipalY, hubCached: true);

        Assert.Equal(2, SpokeCalls());
    }

    [Fact]
    public async Task SpokeFromHubProvider_SamePrincipalInOtherProcess_ReadsTheSpoke()
    {
        await RunProcessAsync(_processA, PrincipalX, hubCached: false);
        await RunProcessAsync(_processB, PrincipalX, hubCached: false);

        // The spoke is shared (same principal behind the hub, same parameters); B never needs the hub's credentials,
        // since the spoke's identity comes from who STS says the hub's source is, not from a hub session.
        Assert.Equal(1, SpokeCalls());
        Assert.Equal(1, _processA.Sts.Calls.Count(c => c.RoleArn == Hub));
    }

    private int SpokeCalls() => _processA.Sts.Calls.Count(c => c.RoleArn == Spoke);

    private async Task RunProcessAsync(TestEngine process, string principal, bool hubCached)
    {
        _source.Principal = principal;
        process.Sts.CallerArn = principal;
        using var hub = process.Create(
            o =>
            {
                o.RoleArn = Hub;
                if (hubCached)
                {
                    o.DistributedCache = _cache;
                    o.DataProtectionProvider = _keyRing;
                }
            },
            _source);
        using var spoke = process.Create(
            o =>
            {
                o.RoleArn = Spoke;
                o.DistributedCache = _cache;
                o.DataProtectionProvider = _keyRing;
            },
            hub);
        if (hubCached)
        {
            // The hub's own AssumeRole call teaches this process STS's clock. Without it, B could not lay a cached
            // spoke on STS's clock (the clock probe is GetCallerIdentity, failing here too) and would call STS for
            // that reason alone, hiding whether the spoke's key fell back to something principal-blind.
            await hub.GetCredentialsAsync(TestContext.Current.CancellationToken);
            await TestEngine.WhenStoredAsync(hub);
        }

        await spoke.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(spoke);
    }

    /// <summary>A refreshing source (an instance role, say) whose principal the test chooses.</summary>
    private sealed class SwitchingSource : AWSCredentials
    {
        public string Principal { get; set; } = PrincipalX;

        public override ImmutableCredentials GetCredentials() =>
            new("ASIA" + (Principal == PrincipalX ? "XXXXXXXXXXXXXXXX" : "YYYYYYYYYYYYYYYY"), "secret-of-" + Principal, "token-of-" + Principal);
    }
}
