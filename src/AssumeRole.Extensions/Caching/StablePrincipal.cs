using System.Runtime.CompilerServices;
using AssumeRole.Extensions.MultiTenant;
using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Sts;
using Amazon.Runtime;

namespace AssumeRole.Extensions.Caching;

/// <summary>
/// Cross-process identity: who a session belongs to, in terms that mean the same principal in every process on every
/// machine. The second-level caches (file, distributed) and fleet coordination key sessions by it. Its in-process
/// twin, <see cref="SourcePrincipal"/>, may use object identity and counters; nothing from it ever reaches these keys.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Static source keys: a hash of key, secret and token (<see cref="SourcePrincipal.KeyOfKeys"/>).</item>
/// <item>A hop whose source is another hop (a chain, or another <see cref="AssumeRoleCredentials"/> as the source):
/// that hop's own cross-process key, which covers its full parameters and its own source, recursively.</item>
/// <item>A GetSessionToken session: a hash of the IAM user's long-term keys.</item>
/// <item>Any other source (instance or container roles, the SDK's providers): the caller ARN STS reports for it,
/// session name included, so that two sessions of one role (alice and bob, with their own source identity, session
/// policy or tags) never share a target session; with
/// <see cref="AssumeRoleOptions.ShareSessionsAcrossSourceSessions"/> the session name is dropped.</item>
/// <item>Above a web identity session: the caller ARN STS reports for that session (the same rule for its session
/// name) plus the web identity hop's own parameters (its session policy narrows what it may do).</item>
/// </list>
/// When none of these applies (an unknown kind of fetcher, an anonymous source), there is no stable identity: the
/// result is <see langword="null"/> and the hop does not use the second-level caches. A failure to ask STS is thrown,
/// and the hop skips the caches for that refresh only.
/// </remarks>
internal static class StablePrincipal
{
    /// <summary>
    /// One <c>GetCallerIdentity</c> per STS client (and session cache), shared by every session that needs it. Keyed
    /// by the cache's <see cref="StsClock"/> too, so that two session caches (two "processes" in tests) sharing one
    /// client each ask and learn STS's clock for themselves.
    /// </summary>
    private static readonly ConditionalWeakTable<StsClock, ConditionalWeakTable<IStsGateway, Lazy<Task<CallerIdentity>>>> s_callers = new();

    /// <summary>The cross-process key of the session <paramref name="fetcher"/> fetches, or <see langword="null"/> when it has none.</summary>
    /// <param name="fetcher">The session's fetcher (decorators are looked through).</param>
    /// <param name="clock">Learns STS's clock from the GetCallerIdentity responses made here.</param>
    /// <param name="shareAcrossSourceSessions">Drop the session name of a source known by its caller ARN.</param>
    /// <param name="cancellationToken">Cancels the STS calls.</param>
    public static async Task<string?> KeyOfAsync(ISessionFetcher fetcher, StsClock clock, bool shareAcrossSourceSessions, CancellationToken cancellationToken)
    {
        switch (fetcher)
        {
            case CachedSessionFetcher cached:
                // The same derivation, computed once per session; its failure is this hop's failure for this refresh.
                return await cached.GetKeyAsync(cancellationToken).ConfigureAwait(false);
            case RateLimitedFetcher limited:
                return await KeyOfAsync(limited.Inner, clock, shareAcrossSourceSessions, cancellationToken).ConfigureAwait(false);
            case AssumeRoleFetcher hop:
                var principal = await PrincipalOfAsync(hop.Source, hop.Parent, hop.Gateway, hop.Spec.Endpoint, clock, shareAcrossSourceSessions, cancellationToken).ConfigureAwait(false);
                return principal is null ? null : hop.Spec.ComputeKey("l2:" + principal);
            case SessionTokenFetcher token:
                // Never the caller ARN: a session of the same user without MFA shares it and must not find this one.
                return token.Source is BasicAWSCredentials or SessionAWSCredentials
                    ? token.Spec.ComputeKey("l2:" + SourcePrincipal.KeyOfKeys(await token.Source.GetCredentialsAsync().ConfigureAwait(false)))
                    : null;
            default:
                // Web identity sessions are never cached beyond the process (see AssumeRoleCredentials), and an
                // unknown fetcher has no identity we can vouch for.
                return null;
        }
    }

    /// <summary>
    /// Who calls STS for a hop: <paramref name="parent"/>'s session when the hop is chained, else
    /// <paramref name="source"/>. <paramref name="gateway"/> signs as that caller on <paramref name="endpoint"/>.
    /// </summary>
    public static async Task<string?> PrincipalOfAsync(
        AWSCredentials source,
        RefreshingSession? parent,
        IStsGateway gateway,
        StsEndpoint endpoint,
        StsClock clock,
        bool shareAcrossSourceSessions,
        CancellationToken cancellationToken)
    {
        if (parent is not null)
        {
            return await OfSessionAsync(parent, gateway, endpoint, clock, shareAcrossSourceSessions, cancellationToken).ConfigureAwait(false);
        }

        switch (source)
        {
            case BasicAWSCredentials or SessionAWSCredentials:
                return SourcePrincipal.KeyOfKeys(await source.GetCredentialsAsync().ConfigureAwait(false));
            case AssumeRoleCredentials ours:
                // Another provider of ours (on another clock, so not chained through the session cache): its session's
                // cross-process key, never its in-process one.
                return await OfSessionAsync(ours.Session, gateway, endpoint, clock, shareAcrossSourceSessions, cancellationToken).ConfigureAwait(false);
            case AnonymousAWSCredentials:
                return null;
            default:
                return CallerKey((await CallerAsync(gateway, endpoint, clock, cancellationToken).ConfigureAwait(false)).Arn, shareAcrossSourceSessions);
        }
    }

    /// <summary>
    /// The principal of a source known by its caller ARN: the whole ARN (session name included), or with
    /// <paramref name="shareAcrossSourceSessions"/> the role (every session of it alike). The prefixes keep the two apart.
    /// </summary>
    internal static string CallerKey(string callerArn, bool shareAcrossSourceSessions) =>
        shareAcrossSourceSessions ? "role:" + WithoutSessionName(callerArn) : "arn:" + callerArn;

    /// <summary><c>arn:aws:sts::A:assumed-role/R/S</c> → <c>arn:aws:sts::A:assumed-role/R</c>; other ARNs unchanged.</summary>
    internal static string WithoutSessionName(string callerArn)
    {
        var marker = callerArn.IndexOf(":assumed-role/", StringComparison.Ordinal);
        if (marker < 0)
        {
            return callerArn;
        }

        var lastSlash = callerArn.LastIndexOf('/');
        return lastSlash > marker + ":assumed-role/".Length ? callerArn[..lastSlash] : callerArn;
    }

    private static async Task<string?> OfSessionAsync(RefreshingSession session, IStsGateway gateway, StsEndpoint endpoint, StsClock clock, bool shareAcrossSourceSessions, CancellationToken cancellationToken)
    {
        if (Unwrap(session.Fetcher) is WebIdentityFetcher webIdentity)
        {
            // The web identity session itself has no key (its token is one pod's), but STS names it once it exists.
            // Its session name may be per pod (shared only when asked); its session policy (if any) narrows what it may
            // do, so it is part of it.
            var caller = await CallerAsync(gateway, endpoint, clock, cancellationToken).ConfigureAwait(false);
            var policy = webIdentity.Spec.Policy is { } p
                ? "|policy:" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(p)))
                : string.Empty;
            return "wi:" + CallerKey(caller.Arn, shareAcrossSourceSessions) + policy;
        }

        var key = await KeyOfAsync(session.Fetcher, clock, shareAcrossSourceSessions, cancellationToken).ConfigureAwait(false);
        return key is null ? null : "hop:" + key;
    }

    private static ISessionFetcher Unwrap(ISessionFetcher fetcher) => fetcher switch
    {
        CachedSessionFetcher cached => Unwrap(cached.Inner),
        RateLimitedFetcher limited => Unwrap(limited.Inner),
        _ => fetcher,
    };

    private static async Task<CallerIdentity> CallerAsync(IStsGateway gateway, StsEndpoint endpoint, StsClock clock, CancellationToken cancellationToken)
    {
        var byGateway = s_callers.GetValue(clock, static _ => new());
        // Lazy: the table may run a factory more than once for concurrent first callers; one call is the point.
        var shared = byGateway.GetValue(gateway, g => new Lazy<Task<CallerIdentity>>(() => AskAsync(g, endpoint, clock))).Value;
        try
        {
            return await shared.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (shared.IsFaulted || shared.IsCanceled)
        {
            // Not remembered: the next refresh asks again.
            byGateway.Remove(gateway);
            throw;
        }

        static async Task<CallerIdentity> AskAsync(IStsGateway gateway, StsEndpoint endpoint, StsClock clock)
        {
            // Shared by several sessions, so no one caller's token: bounded on its own.
            using var timeout = new CancellationTokenSource(AssumeRoleDefaults.IdentityRequestTimeout);
            var caller = await gateway.GetCallerIdentityAsync(timeout.Token).WaitAsync(timeout.Token).ConfigureAwait(false);
            clock.Observe(endpoint, caller.ServerDate);
            return caller;
        }
    }
}
