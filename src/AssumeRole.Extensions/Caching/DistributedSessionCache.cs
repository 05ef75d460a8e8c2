using AssumeRole.Extensions.Sts;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;

namespace AssumeRole.Extensions.Caching;

/// <summary>
/// Sessions in an <see cref="IDistributedCache"/> (Redis, SQL Server, …) shared by a fleet. Values are sealed with
/// ASP.NET Core Data Protection, so the cache holds no readable credentials, and expire with the session.
/// </summary>
internal sealed class DistributedSessionCache : ISecondLevelCache
{
    /// <summary>Purpose string of the sealing key: values sealed for another purpose cannot be opened here.</summary>
    public const string ProtectorPurpose = "AssumeRole.Extensions.SessionCache.v1";

    private const string KeyPrefix = "assume-role:v1:";

    private readonly IDistributedCache _cache;
    private readonly IDataProtector _protector;

    public DistributedSessionCache(IDistributedCache cache, IDataProtectionProvider protection)
    {
        _cache = cache;
        _protector = protection.CreateProtector(ProtectorPurpose);
    }

    public string Level => "distributed";

    public static string CacheKeyOf(string key) => KeyPrefix + key.ToLowerInvariant();

    public async Task<StsCredentials?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var sealedBytes = await _cache.GetAsync(CacheKeyOf(key), cancellationToken).ConfigureAwait(false);
        if (sealedBytes is null)
        {
            return null;
        }

        byte[] plain;
        try
        {
            plain = _protector.Unprotect(sealedBytes);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // Sealed with a key ring we do not share (another application, a rotated-out key): a miss, not an error.
            return null;
        }

        return CachedSessionDocument.Deserialize(plain);
    }

    public Task SetAsync(string key, StsCredentials credentials, TimeSpan timeToLive, CancellationToken cancellationToken) =>
        _cache.SetAsync(
            CacheKeyOf(key),
            _protector.Protect(CachedSessionDocument.Serialize(credentials)),
            new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = timeToLive },
            cancellationToken);
}
