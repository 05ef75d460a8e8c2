using AssumeRole.Extensions.Caching;
using AssumeRole.Extensions.Tests.Fakes;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Distributed-cache values were sealed but not bound to their key: anyone who could write to the cache, without the
/// key ring, could move principal Y's (or tenant B's) sealed value under X's key, and X's provider served it. Values
/// are now sealed with their key as part of the Data Protection purpose, so a moved value fails to open.
/// </summary>
public sealed class IssuesTestsDistributedValueNotBoundToKey
{
    private readonly IDistributedCache _cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
    private readonly IDataProtectionProvider _keyRing = new EphemeralDataProtectionProvider();
    private readonly TestEngine _processA = new();
    private readonly TestEngine _processB;

    public IssuesTestsDistributedValueNotBoundToKey()
    {
        _processB = new TestEngine(time: _processA.Time, sts: _processA.Sts);
    }

    [Fact]
    public async Task Read_OtherPrincipalsValueMovedUnderThisKey_FailsToOpenAndStsIsCalled()
    {
        // Same role and session name, two source principals: only the key (from the principal) tells them apart.
        var x = TestEngine.Source("AKIAPRINCIPALXXXXXXX");
        var y = TestEngine.Source("AKIAPRINCIPALYYYYYYY");
        var (keyOfX, _) = await WriteAsync(x);
        var (keyOfY, accessKeyOfY) = await WriteAsync(y);
        await _cache.SetAsync(keyOfX, (await _cache.GetAsync(keyOfY, TestContext.Current.CancellationToken))!, TestContext.Current.CancellationToken);

        using var b = _processB.Create(Configure, x);
        var credentials = await b.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.NotEqual(accessKeyOfY, credentials.AccessKey);
        Assert.Equal(3, _processA.Sts.CallCount);
    }

    [Fact]
    public async Task Read_OwnValue_IsServed()
    {
        var x = TestEngine.Source("AKIAPRINCIPALXXXXXXX");
        await WriteAsync(x);

        using var b = _processB.Create(Configure, x);
        await b.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, _processA.Sts.CallCount);
    }

    private void Configure(AssumeRoleOptions o)
    {
        o.DistributedCache = _cache;
        o.DataProtectionProvider = _keyRing;
    }

    /// <summary>Process A assumes the role from <paramref name="source"/>; returns the cache key of the entry written and its access key.</summary>
    private async Task<(string CacheKey, string AccessKey)> WriteAsync(Amazon.Runtime.AWSCredentials source)
    {
        using var a = _processA.Create(Configure, source);
        var credentials = await a.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(a);
        var key = await ((CachedSessionFetcher)a.Session.Fetcher).TryGetKeyAsync(TestContext.Current.CancellationToken);
        return (DistributedSessionCache.CacheKeyOf(key!), credentials.AccessKey);
    }
}
