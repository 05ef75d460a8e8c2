using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Sts;
using Microsoft.Extensions.Logging;

namespace AssumeRole.Extensions.Caching;

/// <summary>
/// Reads the second-level caches (file, distributed) before calling STS and writes what STS returned back to them, so
/// that other processes of the fleet (or the next run on a developer machine) skip the STS call.
/// </summary>
/// <remarks>
/// The key must mean the same principal in every process, which the in-process session key does not guarantee for
/// refreshing sources (they are identified by object identity). So the key is computed from a stable principal: a hash
/// of static source keys, else the caller's ARN from <c>GetCallerIdentity</c> with the session name dropped (every
/// session of one role may assume the same roles), and for a chained hop the key of the hop before it. A cache
/// failure is logged and skipped: STS remains the source of truth.
/// </remarks>
internal sealed class CachedSessionFetcher : ISessionFetcher
{
    private readonly ISessionFetcher _inner;
    private readonly IReadOnlyList<ISecondLevelCache> _levels;
    private readonly Func<CancellationToken, Task<string>> _principal;
    private readonly Func<string, string> _computeKey;
    private readonly SessionSettings _settings;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly AssumeRoleTelemetry _telemetry;
    private readonly SemaphoreSlim _keyGate = new(1, 1);
    private string? _key;

    public CachedSessionFetcher(
        ISessionFetcher inner,
        IReadOnlyList<ISecondLevelCache> levels,
        Func<CancellationToken, Task<string>> principal,
        Func<string, string> computeKey,
        SessionSettings settings,
        TimeProvider timeProvider,
        ILogger logger,
        AssumeRoleTelemetry? telemetry = null)
    {
        _inner = inner;
        _levels = levels;
        _principal = principal;
        _computeKey = computeKey;
        _settings = settings;
        _timeProvider = timeProvider;
        _logger = logger;
        _telemetry = telemetry ?? AssumeRoleTelemetry.Default;
    }

    public string RoleArn => _inner.RoleArn;

    public string Endpoint => _inner.Endpoint;

    public ISessionFetcher Inner => _inner;

    public async Task<StsCredentials> FetchAsync(CancellationToken cancellationToken)
    {
        var key = await TryGetKeyAsync(cancellationToken).ConfigureAwait(false);
        if (key is not null)
        {
            foreach (var level in _levels)
            {
                try
                {
                    if (await level.GetAsync(key, cancellationToken).ConfigureAwait(false) is { } cached && IsFreshEnough(cached))
                    {
                        _telemetry.CacheLookup(_logger, level.Level, hit: true, RoleArn);
                        return cached;
                    }

                    _telemetry.CacheLookup(_logger, level.Level, hit: false, RoleArn);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    _telemetry.CacheError(_logger, level.Level, "read", RoleArn, ex);
                }
            }
        }

        var fetched = await _inner.FetchAsync(cancellationToken).ConfigureAwait(false);
        if (key is not null)
        {
            // Entries leave the cache when they enter the mandatory window: nobody may use them after that. The
            // lifetime is relative (the cache reads its own clock) and measured against STS's clock when the response
            // carried a Date, so neither our clock nor the cache server's needs to agree with STS's.
            var timeToLive = TimeToLive(fetched, _settings.MandatoryWindow, _timeProvider);
            foreach (var level in timeToLive > TimeSpan.Zero ? _levels : [])
            {
                try
                {
                    await level.SetAsync(key, fetched, timeToLive, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    _telemetry.CacheError(_logger, level.Level, "write", RoleArn, ex);
                }
            }
        }

        return fetched;
    }

    /// <summary>The cross-process key of this hop's session, computed once.</summary>
    public async Task<string?> TryGetKeyAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _key) is { } known)
        {
            return known;
        }

        await _keyGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_key is null)
            {
                var principal = await _principal(cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _key, _computeKey("l2:" + principal));
            }

            return _key;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.SecondLevelCacheError(_logger, RoleArn, "all", "identify source", ex.GetType().Name);
            return null;
        }
        finally
        {
            _keyGate.Release();
        }
    }

    public void Dispose()
    {
        _inner.Dispose();
        _keyGate.Dispose();
    }

    /// <summary>
    /// How long a session just returned by STS may stay in a second-level cache: its lifetime on the issuer's clock
    /// (expiry − the response's <c>Date</c>; the local clock only when STS sent no Date) less the mandatory window.
    /// </summary>
    internal static TimeSpan TimeToLive(StsCredentials fetched, TimeSpan mandatoryWindow, TimeProvider timeProvider)
    {
        var issuedAt = fetched.ServerDate?.UtcDateTime ?? timeProvider.GetUtcNow().UtcDateTime;
        var lifetime = fetched.ExpirationUtc - issuedAt;

        // Compared before subtracting, so that no window, however large, can overflow.
        return lifetime > mandatoryWindow ? lifetime - mandatoryWindow : TimeSpan.Zero;
    }

    /// <summary>A cached session is taken only while it is before its refresh point, or it would refresh at once.</summary>
    private bool IsFreshEnough(StsCredentials cached)
    {
        var remaining = cached.ExpirationUtc - _timeProvider.GetUtcNow().UtcDateTime;
        var advisory = _settings.AdvisoryWindow ?? AssumeRoleDefaults.AdvisoryWindowFor(remaining);
        return remaining > (advisory * (1 + AssumeRoleDefaults.MaxJitterShare)) + _settings.MandatoryWindow;
    }

    /// <summary><c>arn:aws:sts::A:assumed-role/R/S</c> → <c>arn:aws:sts::A:assumed-role/R</c>; other ARNs unchanged.</summary>
    internal static string StablePrincipalOf(string callerArn)
    {
        var marker = callerArn.IndexOf(":assumed-role/", StringComparison.Ordinal);
        if (marker < 0)
        {
            return callerArn;
        }

        var lastSlash = callerArn.LastIndexOf('/');
        return lastSlash > marker + ":assumed-role/".Length ? callerArn[..lastSlash] : callerArn;
    }
}
