using System.Security.Cryptography;
using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Sts;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;

namespace AssumeRole.Extensions.Caching;

/// <summary>
/// Sessions in an <see cref="IDistributedCache"/> (Redis, SQL Server, …) shared by a fleet. Values are sealed with
/// ASP.NET Core Data Protection, so the cache holds no readable credentials, and expire with the session.
/// </summary>
/// <remarks>
/// Each value is sealed for its own key (the cache key is a Data Protection sub-purpose): anyone who can write to the
/// cache but does not hold the key ring can neither forge a value nor move one from another key (another tenant's
/// role, another principal's session) to this one; such a value fails to open and is refused.
/// </remarks>
internal sealed class DistributedSessionCache : ISecondLevelCache
{
    /// <summary>Purpose string of the sealing key: values sealed for another purpose cannot be opened here.</summary>
    public const string ProtectorPurpose = "AssumeRole.Extensions.SessionCache.v2";

    private const string KeyPrefix = "assume-role:v2:";

    private readonly IDistributedCache _cache;
    private readonly IDataProtector _protector;
    private readonly SecondLevelGuard _guard;

    public DistributedSessionCache(IDistributedCache cache, IDataProtectionProvider protection, SecondLevelGuard guard)
    {
        _cache = cache;
        _protector = protection.CreateProtector(ProtectorPurpose);
        _guard = guard;
    }

    public string Level => TelemetryNames.DistributedLevel;

    public static string CacheKeyOf(string key) => KeyPrefix + key.ToLowerInvariant();

    public string? NameOf(string? key) => key is null ? null : CacheKeyOf(key);

    public async Task<StsCredentials?> ReadAsync(string name, CancellationToken cancellationToken)
    {
        var sealedBytes = await _guard.RunAsync(ct => _cache.GetAsync(name, ct), cancellationToken).ConfigureAwait(false);
        if (sealedBytes is null)
        {
            return null;
        }

        byte[] plain;
        try
        {
            plain = ProtectorFor(name).Unprotect(sealedBytes);
        }
        catch (CryptographicException)
        {
            // Sealed for another key (a value moved here), with a key ring we do not share, or not sealed at all.
            throw new RefusedEntryException("it cannot be opened: it was sealed for another entry or with a key ring this process does not hold");
        }

        return CachedSessionDocument.Deserialize(plain) ?? throw new RefusedEntryException("it is not a session document");
    }

    public Task WriteInBackground(string name, StsCredentials credentials, DateTimeOffset issuedAt, Func<TimeSpan> timeToLive, Action<Exception> onFailure) =>
        _guard.RunInBackground(
            async ct =>
            {
                var ttl = timeToLive();
                if (ttl <= TimeSpan.Zero)
                {
                    return;
                }

                var sealedBytes = ProtectorFor(name).Protect(CachedSessionDocument.Serialize(credentials, issuedAt));
                await _cache.SetAsync(name, sealedBytes, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = ttl }, ct).ConfigureAwait(false);
            },
            onFailure);

    /// <summary>The protector of one entry: the entry's name is part of the purpose, so a value opens only under its own name.</summary>
    private IDataProtector ProtectorFor(string name) => _protector.CreateProtector(name);
}
