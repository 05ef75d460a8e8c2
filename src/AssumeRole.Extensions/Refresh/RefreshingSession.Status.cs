using AssumeRole.Extensions.Caching;
using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Sts;

namespace AssumeRole.Extensions.Refresh;

/// <content>Read-only status for health checks and the telemetry this session reports to.</content>
internal sealed partial class RefreshingSession
{
    /// <summary>The metrics and traces this session (and the cache, for its lookups) reports to.</summary>
    internal AssumeRoleTelemetry Telemetry { get; }

    /// <summary>This session's hop in its chain (1-based).</summary>
    internal int Hop => CoreFetcher is AssumeRoleFetcher f ? f.Hop : 1;

    /// <summary>The number of hops of the chain this session is part of, as far as it knows (1 when it cannot tell).</summary>
    internal int HopCount => CoreFetcher is AssumeRoleFetcher f ? f.HopCount : 1;

    /// <summary>The session this one's credentials are assumed from (the hop before it), if it is one of ours.</summary>
    internal RefreshingSession? SourceSession => (CoreFetcher as AssumeRoleFetcher)?.Parent;

    /// <summary>The fetcher that calls STS, under the second-level cache and rate limit decorators.</summary>
    private ISessionFetcher CoreFetcher
    {
        get
        {
            var fetcher = _fetcher;
            while (true)
            {
                switch (fetcher)
                {
                    case CachedSessionFetcher cached:
                        fetcher = cached.Inner;
                        break;
                    case MultiTenant.RateLimitedFetcher limited:
                        fetcher = limited.Inner;
                        break;
                    default:
                        return fetcher;
                }
            }
        }
    }

    /// <summary>A consistent snapshot of the refresh state. Takes the session's lock briefly; never calls STS.</summary>
    public AssumeRoleStatus GetStatus()
    {
        lock (_gate)
        {
            var now = Clock.NowMs;
            var state = _state;
            var error = _lastError?.SourceException;
            return new AssumeRoleStatus(
                RoleArn,
                Hop,
                hasCredentials: state is not null,
                isUsable: state is not null && now < state.MandatoryAtMs,
                timeToExpiry: state is null ? null : TimeSpan.FromMilliseconds(Math.Max(0, state.ExpiresAtMs - now)),
                expirationUtc: state?.ExpirationUtc,
                consecutiveFailures: _failures,
                lastErrorCode: error is null ? null : AssumeRoleTelemetry.ErrorTypeOf(error),
                nextAttemptIn: _nextAttemptAtMs > now ? TimeSpan.FromMilliseconds(_nextAttemptAtMs - now) : null,
                refreshInFlight: _inflight is not null,
                isDisposed: _disposed);
        }
    }
}
