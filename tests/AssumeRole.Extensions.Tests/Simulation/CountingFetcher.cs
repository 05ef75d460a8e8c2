using AssumeRole.Extensions.MultiTenant;
using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Sts;

namespace AssumeRole.Extensions.Tests.Simulation;

/// <summary>
/// Wraps each session's STS fetcher (through the context's fetcher decorator) to check, at every refresh attempt,
/// that no other attempt of the session is in flight and that the attempt respects the backoff schedule after a
/// failure: while the session still holds usable credentials only the backoff (30 s doubling to 5 min, capped by half
/// the time left before the mandatory window, never below 1 s) may start one; once callers have to wait, the error
/// memory (1 s after a transient failure, 5 s after a permanent one). A refresh forced by a dependent hop's
/// <c>ExpiredToken</c> is exempt.
/// </summary>
internal sealed class CountingFetcher(ISessionFetcher inner, SimWorld world) : ISessionFetcher
{
    private RefreshingSession? _session;
    private bool _inFlight;
    private bool _forced;
    private int _failures;
    private (long AtMs, bool Transient, long? MandatoryAtMs)? _lastFailure;

    public string RoleArn => inner.RoleArn;

    public string Endpoint => inner.Endpoint;

    public ISessionFetcher Inner => inner;

    /// <summary>The session of the hop before this one (a chain), seen through this fetcher.</summary>
    public RefreshingSession? Parent => (inner as AssumeRoleFetcher)?.Parent;

    public long Attempts { get; private set; }

    /// <summary>The next attempt is a forced refresh (a dependent hop got <c>ExpiredToken</c> for our credentials).</summary>
    public void MarkForced() => _forced = true;

    public async Task<StsCredentials> FetchAsync(CancellationToken cancellationToken)
    {
        var session = Session();
        var now = world.Cache.Clock.NowMs;
        world.Trace($"fetch {Short} start (attempt {Attempts + 1})");
        if (_inFlight)
        {
            world.Violation($"a second STS attempt started while one is in flight for {RoleArn}");
        }

        if (_lastFailure is { } failure && !_forced && session is not null)
        {
            var gap = now - failure.AtMs;
            var state = session.State;
            long minimum;
            if (state is not null && now < state.MandatoryAtMs)
            {
                var baseMs = (long)Math.Min(AssumeRoleDefaults.BackoffBase.TotalMilliseconds * Math.Pow(2, Math.Min(_failures - 1, 16)), AssumeRoleDefaults.BackoffMax.TotalMilliseconds);
                var cap = failure.MandatoryAtMs is { } m && failure.AtMs < m ? (m - failure.AtMs) / 2 : long.MaxValue;
                minimum = Math.Max(Math.Min(baseMs, cap), (long)AssumeRoleDefaults.BackoffFloor.TotalMilliseconds);
            }
            else
            {
                minimum = (long)(failure.Transient ? AssumeRoleDefaults.TransientErrorMemory : AssumeRoleDefaults.PermanentErrorMemory).TotalMilliseconds;
            }

            // One millisecond of slack: deadlines are computed in whole milliseconds from a tick clock.
            if (gap < minimum - 1)
            {
                world.Violation($"STS attempt for {RoleArn} {gap} ms after failure {_failures}, the backoff schedule allows {minimum} ms");
            }
        }

        _forced = false;
        _inFlight = true;
        Attempts++;
        try
        {
            var fetched = await inner.FetchAsync(cancellationToken).ConfigureAwait(false);
            _failures = 0;
            _lastFailure = null;
            world.Issued(fetched.Credentials.AccessKey, this);
            world.Trace($"fetch {Short} ok");
            return fetched;
        }
        catch (Exception ex)
        {
            _failures++;
            world.Trace($"fetch {Short} failed: {(ex as AssumeRoleException)?.ErrorCode ?? ex.GetType().Name}");
            _lastFailure = (world.Cache.Clock.NowMs, ex is not AssumeRoleException { IsTransient: false }, session?.State?.MandatoryAtMs);
            throw;
        }
        finally
        {
            _inFlight = false;
        }
    }

    public void Dispose() => inner.Dispose();

    // A sequence number, not a hash code: the trace (and the run's fingerprint) must be the same in every replay.
    private readonly int _id = world.NextFetcherId();

    private string Short => RoleArn[(RoleArn.LastIndexOf('/') + 1)..] + "#" + _id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private RefreshingSession? Session()
    {
        if (_session is not null)
        {
            return _session;
        }

        foreach (var session in world.Cache.Snapshot())
        {
            var fetcher = session.Fetcher;
            if (fetcher is RateLimitedFetcher limited)
            {
                fetcher = limited.Inner;
            }

            if (ReferenceEquals(fetcher, this))
            {
                return _session = session;
            }
        }

        return null;
    }
}
