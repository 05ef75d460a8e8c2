using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Sts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly.CircuitBreaker;

namespace AssumeRole.Extensions.Caching;

/// <summary>
/// Reads the second-level caches (file, distributed) before calling STS and writes what STS returned back to them, so
/// that other processes of the fleet (or the next run on a developer machine) skip the STS call.
/// </summary>
/// <remarks>
/// <para>
/// The key is the session's cross-process identity (<see cref="StablePrincipal"/>); a hop without one does not use
/// the caches (logged once). Every entry read back is untrusted until <see cref="SessionEntryCheck"/> accepts it, and
/// is then laid on STS's clock (<see cref="StsClock"/>): the time it has left is its Expiration minus STS's current
/// time, so a wrong local clock (here or where it was written) cannot stretch it.
/// </para>
/// <para>
/// A cache that fails or is slow costs at most its timeout and is then skipped by its circuit breaker
/// (<see cref="SecondLevelGuard"/>); writes happen in the background. STS remains the source of truth: no cache
/// failure fails a refresh. With a fleet coordinator, a miss goes through a lease (<c>CachedSessionFetcher.Fleet.cs</c>).
/// </para>
/// </remarks>
internal sealed partial class CachedSessionFetcher : ISessionFetcher
{
    private static readonly object s_noIdentity = new();

    private readonly ISessionFetcher _inner;
    private readonly IReadOnlyList<ISecondLevelCache> _levels;
    private readonly SecondLevelSettings _l2;
    private readonly SessionSettings _settings;
    private readonly ILogger _logger;
    private readonly AssumeRoleTelemetry _telemetry;
    private readonly SemaphoreSlim _keyGate = new(1, 1);

    // The cross-process key once known (a string), s_noIdentity when the hop has none, null before the first try.
    private object? _key;
    private Task _background = Task.CompletedTask;

    public CachedSessionFetcher(
        ISessionFetcher inner,
        IReadOnlyList<ISecondLevelCache> levels,
        SecondLevelSettings secondLevel,
        SessionSettings settings,
        ILogger logger,
        AssumeRoleTelemetry? telemetry = null)
    {
        _inner = inner;
        _levels = levels;
        _l2 = secondLevel;
        _settings = settings;
        _logger = logger;
        _telemetry = telemetry ?? AssumeRoleTelemetry.Default;
    }

    public string RoleArn => _inner.RoleArn;

    public string Endpoint => _inner.Endpoint;

    public ISessionFetcher Inner => _inner;

    public IReadOnlyList<ISecondLevelCache> Levels => _levels;

    /// <summary>The background work of the last fetch from STS (cache writes, lease release); tests wait for it.</summary>
    internal Task PendingBackground => Volatile.Read(ref _background);

    public async Task<StsCredentials> FetchAsync(CancellationToken cancellationToken)
    {
        var key = await TryGetKeyAsync(cancellationToken).ConfigureAwait(false);
        if (await TryReadAsync(key, cancellationToken).ConfigureAwait(false) is { } cached)
        {
            return cached;
        }

        if (key is not null && _l2.Coordinator is not null)
        {
            return await FetchCoordinatedAsync(key, cancellationToken).ConfigureAwait(false);
        }

        return StoreInBackground(key, await _inner.FetchAsync(cancellationToken).ConfigureAwait(false), lease: null);
    }

    /// <summary>The cross-process key of this hop's session, computed once; <see langword="null"/> when there is none (or not yet).</summary>
    public async Task<string?> TryGetKeyAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await GetKeyAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // STS could not name the source (GetCallerIdentity failed, here or for a hop before): skip the caches
            // this time, ask again next time.
            Quietly(() => Log.SecondLevelCacheError(_logger, RoleArn, "all", "identify source", ex.GetType().Name));
            return null;
        }
    }

    /// <summary>
    /// The cross-process key of this hop's session, computed once; <see langword="null"/> when the hop has none. A
    /// failure to learn it (here or for a hop before) is thrown and not remembered, so that a hop above this one skips
    /// the caches for that refresh only rather than for good.
    /// </summary>
    public async Task<string?> GetKeyAsync(CancellationToken cancellationToken)
    {
        switch (Volatile.Read(ref _key))
        {
            case string known:
                return known;
            case not null:
                return null;
        }

        await _keyGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_key is null)
            {
                var key = await StablePrincipal.KeyOfAsync(_inner, _l2.Clock, _l2.ShareAcrossSourceSessions, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _key, key ?? s_noIdentity);
                if (key is null)
                {
                    Quietly(() => Log.SecondLevelNoStableIdentity(_logger, RoleArn, "its source is known only inside this process"));
                }
            }

            return _key as string;
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
    /// How long a session just returned by STS may stay in a second-level cache from <paramref name="stsNow"/>: until
    /// its mandatory window, measured on STS's clock.
    /// </summary>
    internal static TimeSpan TimeToLive(StsCredentials fetched, TimeSpan mandatoryWindow, DateTimeOffset stsNow)
    {
        var left = fetched.ExpirationUtc - stsNow.UtcDateTime;

        // Compared before subtracting, so that no window, however large, can overflow.
        return left > mandatoryWindow ? left - mandatoryWindow : TimeSpan.Zero;
    }

    /// <summary>Reads the levels in order; returns the first entry that passes its checks and is before its refresh point.</summary>
    private async Task<StsCredentials?> TryReadAsync(string? key, CancellationToken cancellationToken)
    {
        foreach (var level in _levels)
        {
            if (level.NameOf(key) is not { } name)
            {
                continue;
            }

            StsCredentials? entry;
            try
            {
                entry = await level.ReadAsync(name, cancellationToken).ConfigureAwait(false);
            }
            catch (RefusedEntryException ex)
            {
                Quietly(() => _telemetry.CacheLookup(NullLogger.Instance, level.Level, hit: false, RoleArn));
                Quietly(() => Log.SecondLevelEntryRefused(_logger, RoleArn, level.Level, ex.Reason));
                continue;
            }
            catch (BrokenCircuitException ex)
            {
                // Skipped without trying: the failure that opened the circuit was logged then.
                Quietly(() => _telemetry.CacheError(NullLogger.Instance, level.Level, "read", RoleArn, ex));
                continue;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Quietly(() => _telemetry.CacheError(_logger, level.Level, "read", RoleArn, ex));
                continue;
            }

            if (entry is null)
            {
                Quietly(() => _telemetry.CacheLookup(_logger, level.Level, hit: false, RoleArn));
                continue;
            }

            DateTimeOffset stsNow;
            try
            {
                stsNow = await _l2.Clock.GetNowAsync(_l2.Endpoint, _l2.ProbeSigner, _l2.ClockProbe, AssumeRoleDefaults.IdentityRequestTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Without STS's time an entry's remaining life is unknown: it is not used.
                Quietly(() => _telemetry.CacheError(_logger, level.Level, "read (STS clock)", RoleArn, ex));
                continue;
            }

            if (_l2.Check.Check(entry, stsNow) is { } reason)
            {
                Quietly(() => _telemetry.CacheLookup(NullLogger.Instance, level.Level, hit: false, RoleArn));
                Quietly(() => Log.SecondLevelEntryRefused(_logger, RoleArn, level.Level, reason));
                continue;
            }

            if (!IsFreshEnough(entry, stsNow))
            {
                Quietly(() => _telemetry.CacheLookup(_logger, level.Level, hit: false, RoleArn));
                continue;
            }

            Quietly(() => _telemetry.CacheLookup(_logger, level.Level, hit: true, RoleArn));

            // The engine lays the time left from STS's "now" (ServerDate) and its windows from the issue time.
            return entry with { ServerDate = stsNow };
        }

        return null;
    }

    /// <summary>
    /// Learns STS's clock from a response, writes the session to the levels in the background (then releases the
    /// fleet lease, if one is held), and returns it at once.
    /// </summary>
    private StsCredentials StoreInBackground(string? key, StsCredentials fetched, string? lease)
    {
        var writes = new List<Task>(_levels.Count);
        try
        {
            _l2.Clock.Observe(_l2.Endpoint, fetched.ServerDate);
            if (fetched.ServerDate is { } issuedAt)
            {
                // Entries leave the cache when they enter the mandatory window: nobody may use them after that. The
                // lifetime is relative (the cache reads its own clock) and taken on STS's clock when the write happens.
                foreach (var level in _levels)
                {
                    if (level.NameOf(key) is { } name)
                    {
                        writes.Add(level.WriteInBackground(
                            name,
                            fetched,
                            issuedAt,
                            () => TimeToLive(fetched, _settings.MandatoryWindow, _l2.Clock.TryGetNow(_l2.Endpoint, out var now) ? now : issuedAt),
                            // Skipped while the circuit is open: the failure that opened it was logged then.
                            ex => Quietly(() => _telemetry.CacheError(ex is BrokenCircuitException ? NullLogger.Instance : _logger, level.Level, "write", RoleArn, ex))));
                    }
                }
            }
        }
        catch (Exception ex)
        {
            // Nothing here may cost the caller the session STS returned, or leave a fleet lease held.
            Quietly(() => _telemetry.CacheError(_logger, "all", "write", RoleArn, ex));
        }

        // Without a Date the issue time is unknown and no reader could check the entry: it is not written.
        var background = lease is null ? Task.WhenAll(writes) : ReleaseAfterAsync(writes, key!, lease);
        Volatile.Write(ref _background, background);
        return fetched;
    }

    /// <summary>
    /// Runs a log or telemetry call: a throwing logger or meter listener must not cost a caller the session STS
    /// returned, nor leave the lease other processes wait on held (shared work completes whatever throws).
    /// </summary>
    private static void Quietly(Action report)
    {
        try
        {
            report();
        }
        catch (Exception)
        {
            // Reporting is best effort here; the session and the lease are not.
        }
    }

    /// <summary>
    /// A cached session is taken only while it is before its refresh point, or it would refresh at once. The windows
    /// are those the engine will use (<c>RefreshingSession.BuildState</c>): from the whole lifetime, shrunk the same
    /// way for sessions shorter than the windows, with the largest jitter.
    /// </summary>
    private bool IsFreshEnough(StsCredentials cached, DateTimeOffset stsNow)
    {
        var remaining = cached.ExpirationUtc - stsNow.UtcDateTime;
        var lifetime = cached.ExpirationUtc - cached.IssuedAt!.Value.UtcDateTime;
        var (advisory, mandatory) = _settings.WindowsFor(lifetime, out _, out var tooShort);
        if (tooShort)
        {
            return false;
        }

        return remaining > (advisory * (1 + AssumeRoleDefaults.MaxJitterShare)) + mandatory;
    }
}
