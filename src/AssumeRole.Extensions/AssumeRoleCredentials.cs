using AssumeRole.Extensions.Caching;
using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Sts;
using AssumeRole.Extensions.Validation;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;

namespace AssumeRole.Extensions;

/// <summary>
/// AWS credentials for an IAM role assumed through STS, usable wherever the AWS SDK takes credentials
/// (<c>new AmazonS3Client(credentials, …)</c>, <c>AWSOptions.Credentials</c>).
/// </summary>
/// <remarks>
/// <para>
/// Sessions are shared: every provider in the process that would make the identical AssumeRole call from the same
/// source principal uses one session and one refresh. Credentials are refreshed in the background before they
/// expire (callers keep the current ones meanwhile), failures back off, and credentials within the mandatory window
/// of expiry are never returned.
/// </para>
/// <para>Dispose the provider when done with it; the session is released and later calls throw <see cref="ObjectDisposedException"/>.</para>
/// </remarks>
public sealed class AssumeRoleCredentials : AWSCredentials, IDisposable
{
    /// <summary>AssumeRoleWithWebIdentity is unsigned: its STS client gets anonymous credentials.</summary>
    private static readonly AnonymousAWSCredentials s_unsigned = new();

    /// <summary>
    /// Sessions whose clamp warning was logged. Every provider of a chain plans it, but the warning is due once per
    /// session: keyed by the session object (weakly, so an evicted session leaves no trace), which is also exact when
    /// two providers race to create the same session and one of the two is discarded.
    /// </summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<RefreshingSession, object?> s_clampLogged = new();

    private readonly SessionCache _cache;
    private RefreshingSession? _session;

    /// <summary>Initializes a new instance of the <see cref="AssumeRoleCredentials"/> class.</summary>
    /// <param name="options">The role (or chain) to assume. Validated at once; later changes to it have no effect.</param>
    /// <exception cref="ArgumentException">An option breaks an STS rule; the message names the field and the rule.</exception>
    public AssumeRoleCredentials(AssumeRoleOptions options)
        : this(options, timeProvider: null, loggerFactory: null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="AssumeRoleCredentials"/> class with the default session name.</summary>
    /// <param name="sourceCredentials">The credentials that call STS for the first hop.</param>
    /// <param name="roleArn">The role to assume.</param>
    public AssumeRoleCredentials(AWSCredentials sourceCredentials, string roleArn)
        : this(sourceCredentials, roleArn, roleSessionName: null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="AssumeRoleCredentials"/> class.</summary>
    /// <param name="sourceCredentials">The credentials that call STS for the first hop.</param>
    /// <param name="roleArn">The role to assume.</param>
    /// <param name="roleSessionName">The session name, or <see langword="null"/> for the default.</param>
    public AssumeRoleCredentials(AWSCredentials sourceCredentials, string roleArn, string? roleSessionName)
        : this(new AssumeRoleOptions { SourceCredentials = sourceCredentials ?? throw new ArgumentNullException(nameof(sourceCredentials)), RoleArn = roleArn, RoleSessionName = roleSessionName })
    {
    }

    /// <summary>Initializes a new instance of the <see cref="AssumeRoleCredentials"/> class.</summary>
    /// <param name="options">The role (or chain) to assume.</param>
    /// <param name="timeProvider">The clock; <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    /// <param name="loggerFactory">Where to log; <see langword="null"/> for none.</param>
    public AssumeRoleCredentials(AssumeRoleOptions options, TimeProvider? timeProvider, ILoggerFactory? loggerFactory)
        : this(options, AssumeRoleContext.For(timeProvider, loggerFactory))
    {
    }

    internal AssumeRoleCredentials(AssumeRoleOptions options, AssumeRoleContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        AssumeRoleTelemetry.ThrowIfInvalid(options, nameof(options), context.LoggerFactory);
        _cache = context.Cache;
        (_session, RoleArn, HopCount) = Bind(options, context);
        SessionKey = _session.Key;
    }

    /// <summary>Gets the ARN of the role these credentials assume (the last hop of a chain).</summary>
    public string RoleArn { get; private set; }

    /// <summary>Gets the number of hops (1 for a single role).</summary>
    public int HopCount { get; private set; }

    /// <summary>Gets the expiry of the credentials currently cached, or <see langword="null"/> before the first fetch.</summary>
    public override DateTime? Expiration
    {
        get => _session?.State?.ExpirationUtc;
        set { }
    }

    /// <summary>Gets the ARN of the assumed-role session currently cached, or <see langword="null"/> before the first fetch.</summary>
    public string? AssumedRoleArn => _session?.State?.AssumedRoleArn;

    /// <summary>
    /// Gets a snapshot of the refresh state (for a chain, of its last hop): whether usable credentials are cached, when
    /// they expire, and the failures since the last success. Never calls STS; after <see cref="Dispose()"/> the snapshot
    /// says <see cref="AssumeRoleStatus.IsDisposed"/>.
    /// </summary>
    /// <returns>The snapshot.</returns>
    public AssumeRoleStatus GetStatus() =>
        _session?.GetStatus()
        ?? new AssumeRoleStatus(RoleArn, HopCount, hasCredentials: false, isUsable: false, timeToExpiry: null, expirationUtc: null,
            consecutiveFailures: 0, lastErrorCode: null, nextAttemptIn: null, refreshInFlight: false, isDisposed: true);

    internal string SessionKey { get; private set; }

    internal RefreshingSession Session => _session ?? throw new ObjectDisposedException(nameof(AssumeRoleCredentials));

    /// <inheritdoc />
    public override ImmutableCredentials GetCredentials()
    {
        var session = _session;
        ObjectDisposedException.ThrowIf(session is null, this);
        return session.GetCredentials();
    }

    /// <inheritdoc />
    public override Task<ImmutableCredentials> GetCredentialsAsync()
    {
        var session = _session;
        ObjectDisposedException.ThrowIf(session is null, this);
        return session.GetCredentialsAsync(CancellationToken.None);
    }

    /// <summary>Gets the credentials; <paramref name="cancellationToken"/> ends only this caller's wait, never the shared refresh.</summary>
    /// <param name="cancellationToken">Cancels this caller's wait.</param>
    /// <returns>Credentials that are valid for at least the mandatory window.</returns>
    public Task<ImmutableCredentials> GetCredentialsAsync(CancellationToken cancellationToken)
    {
        var session = _session;
        ObjectDisposedException.ThrowIf(session is null, this);
        return session.GetCredentialsAsync(cancellationToken);
    }

    /// <summary>Fetches credentials now if none are cached, so that later calls (including sync ones) never wait.</summary>
    /// <param name="cancellationToken">Cancels this caller's wait.</param>
    /// <returns>A task that completes when credentials are cached.</returns>
    public async Task WarmUpAsync(CancellationToken cancellationToken = default) =>
        await GetCredentialsAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Releases this provider's hold on the shared session. Later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        var session = Interlocked.Exchange(ref _session, null);
        if (session is not null)
        {
            _cache.Release(session);
        }
    }

    /// <summary>
    /// Points this provider at the session(s) for new options (a configuration reload). Callers that already hold
    /// credentials keep them; the next call reads the new session. The warm path is unchanged: one field read.
    /// </summary>
    /// <exception cref="ArgumentException">The new options break an STS rule; the provider keeps its current session.</exception>
    internal void Reconfigure(AssumeRoleOptions options, AssumeRoleContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        AssumeRoleTelemetry.ThrowIfInvalid(options, nameof(options), context.LoggerFactory);
        var (session, roleArn, hopCount) = Bind(options, context);
        var old = Volatile.Read(ref _session);
        while (true)
        {
            if (old is null)
            {
                // Disposed meanwhile: the new session must not leak its lease.
                context.Cache.Release(session);
                return;
            }

            var seen = Interlocked.CompareExchange(ref _session, session, old);
            if (ReferenceEquals(seen, old))
            {
                break;
            }

            old = seen;
        }

        RoleArn = roleArn;
        HopCount = hopCount;
        SessionKey = session.Key;
        _cache.Release(old);
    }

    /// <summary>Walks the chain and leases the session of its last hop (creating sessions as needed).</summary>
    private static (RefreshingSession Session, string RoleArn, int HopCount) Bind(AssumeRoleOptions options, AssumeRoleContext context)
    {
        var cache = context.Cache;
        var logger = context.LoggerFactory.CreateLogger<AssumeRoleCredentials>();

        // A web identity or session token first hop comes before the AssumeRole hops and makes all of them chained.
        var firstHop = FirstHopSpec.From(options, (options.Chain?.Count ?? 0) + 1);
        var firstHops = firstHop is null ? 0 : 1;
        var source = firstHop is { IsWebIdentity: true } ? s_unsigned : options.SourceCredentials ?? DefaultChain(options, firstHops);
        var sourceIsRoleSession = firstHops > 0 || (options.SourceIsRoleSession ?? SourcePrincipal.IsRoleSession(source));
        var hops = ChainPlanner.Plan(options, sourceIsRoleSession, firstHops);

        // Walk the chain: each hop's session is looked up (or created) under a key that includes the previous hop's
        // key, so chains that share a prefix share those sessions.
        RefreshingSession? previous = null;
        var principal = firstHop is { IsWebIdentity: true } ? "unsigned" : SourcePrincipal.KeyOf(source);
        if (firstHop is null && source is AssumeRoleCredentials ours && ReferenceEquals(ours._cache, cache))
        {
            // Another provider of ours as the source: chain onto its session (leased like a hop's source), not onto
            // the provider object, which the shared session of this hop would outlive once that provider is disposed.
            previous = ours.Session;
            if (!previous.TryAddLease())
            {
                throw new ObjectDisposedException(nameof(AssumeRoleCredentials), "The source credentials' session was disposed.");
            }
        }

        var markers = SecondLevelCaching.Marker(options) + MandatoryMarker(options) + context.SessionKeyMarker;
        var root = (Source: source, Principal: principal);
        var rawHops = (options.Chain ?? []).Append(options).ToList(); // hops[i] was planned from rawHops[i]
        try
        {
            if (firstHop is not null)
            {
                var key = firstHop.ComputeKey(principal + markers);
                previous = cache.Acquire(key, () => CreateFirstHopSession(key, firstHop, root, options, context));
                principal = "session:" + key;
            }

            for (var i = 0; i < hops.Count; i++)
            {
                var hop = hops[i];
                var raw = rawHops[i];
                var key = hop.ComputeKey(principal + markers);
                var parent = previous;
                var hopSource = parent is null ? source : new SessionCredentials(parent);
                var hopPrincipal = principal;
                var session = cache.Acquire(key, () => CreateSession(key, hop, raw, hopSource, hopPrincipal, parent, root, options, context));
                if (hop.ClampedFromSeconds is { } requested && s_clampLogged.TryAdd(session, null))
                {
                    Log.DurationClamped(logger, hop.RoleArn, hop.Hop, requested, hop.DurationSeconds!.Value);
                }

                if (previous is not null)
                {
                    // The hop's session holds its own lease on its source; drop the one taken while walking.
                    cache.Release(previous);
                }

                previous = session;
                principal = "session:" + key;
            }
        }
        catch
        {
            // A later hop could not be built: give back the lease on the hop before, or it would refresh for ever.
            if (previous is not null)
            {
                cache.Release(previous);
            }

            throw;
        }

        return (previous!, options.RoleArn!, hops.Count + firstHops);
    }

    /// <inheritdoc />
    public override string ToString() => $"AssumeRoleCredentials {{ RoleArn = {RoleArn}, Hops = {HopCount} }}";

    /// <summary>
    /// The SDK's default chain, which resolves (and may throw) when first used: a machine without credentials gets an
    /// error that names the setting, not the SDK's bare "Failed to resolve AWS credentials".
    /// </summary>
    private static AWSCredentials DefaultChain(AssumeRoleOptions options, int firstHops)
    {
        try
        {
            return SourcePrincipal.DefaultChain;
        }
        catch (AmazonClientException ex)
        {
            var hops = (options.Chain?.Count ?? 0) + 1 + firstHops;
            throw new AssumeRoleException(options.Chain is { Count: > 0 } chain ? chain[0]?.RoleArn ?? options.RoleArn! : options.RoleArn!, 1, hops,
                "SourceCredentialsFailed", null, null, isTransient: false,
                $"SourceCredentials is not set and the AWS SDK's default credential chain found no credentials: {Validation.SafeText.Escape(ex.Message, 300)}", null);
        }
    }

    private static RefreshingSession CreateFirstHopSession(
        string key,
        FirstHopSpec hop,
        (AWSCredentials Source, string Principal) root,
        AssumeRoleOptions options,
        AssumeRoleContext context)
    {
        var logger = context.LoggerFactory.CreateLogger<AssumeRoleCredentials>();
        var source = root.Source;
        var (gateway, owned) = context.GatewayFactory(source, root.Principal, hop.Endpoint);
        var pipeline = StsPipelines.For(options, context.TimeProvider);
        var settings = SessionSettings.From(options, context.Random);
        if (hop.IsWebIdentity)
        {
            // Never in the second-level caches. Its source is a bearer token of one workload, and nothing before the
            // call identifies it in terms another process could trust: the role ARN and token file path are the same
            // in every pod of an IRSA deployment (a pod whose token the role does not trust would be handed another
            // pod's session, bypassing STS's trust check), and the token's claims could be forged without validating
            // it. A key on the token's hash would be safe but useless: projected tokens are per pod and rotate. The
            // call is unsigned and prompts nobody, so the saving would be small anyway. (Hops above it are cached,
            // identified by the caller ARN STS reports for this session: see StablePrincipal.)
            return new RefreshingSession(key, new WebIdentityFetcher(hop, gateway, owned, pipeline, context.Caps, logger), context.Cache.Clock, settings, logger, context.Telemetry, context.Cache.Scheduler);
        }

        // GetSessionToken is keyed by the IAM user's long-term keys (a hash of key and secret): only a process that
        // holds the same keys finds the entry, and it could call GetSessionToken itself. As with an MFA role, a cached
        // session spares the MFA prompt: that is the point on a developer machine (the file is 0600) and within a
        // fleet that shares the keys and the Data Protection key ring.
        ISessionFetcher fetcher = new SessionTokenFetcher(hop, source, gateway, owned, pipeline);
        fetcher = SecondLevelCaching.Wrap(fetcher, SecondLevelCaching.CheckFor(hop), hop.Endpoint, awsCliName: null, root, gateway, options, context, settings, logger);
        return new RefreshingSession(key, fetcher, context.Cache.Clock, settings, logger, context.Telemetry, context.Cache.Scheduler);
    }

    private static RefreshingSession CreateSession(
        string key,
        HopSpec hop,
        AssumeRoleHopOptions raw,
        AWSCredentials source,
        string principal,
        RefreshingSession? parent,
        (AWSCredentials Source, string Principal) root,
        AssumeRoleOptions options,
        AssumeRoleContext context)
    {
        var logger = context.LoggerFactory.CreateLogger<AssumeRoleCredentials>();
        var (gateway, owned) = context.GatewayFactory(source, principal, hop.Endpoint);
        if (parent is not null && !parent.TryAddLease())
        {
            throw new ObjectDisposedException(nameof(AssumeRoleCredentials), "The source session of this hop was disposed.");
        }

        var assumeRole = new AssumeRoleFetcher(
            hop,
            source,
            gateway,
            owned,
            parent,
            parent is null ? null : context.Cache.Release,
            StsPipelines.For(options, context.TimeProvider),
            context.Caps,
            logger,
            principal);
        ISessionFetcher fetcher = assumeRole;
        var settings = SessionSettings.From(options, context.Random);

        // The multi-tenant factory wraps the STS fetcher to rate-limit STS calls outside the per-request timeout;
        // inside the second-level caches, so that a cache hit costs no rate-limit slot.
        if (context.FetcherDecorator is { } decorate)
        {
            fetcher = decorate(fetcher);
        }

        var awsCliName = SecondLevelCaching.AwsCliNameOf(options, raw, hop);
        fetcher = SecondLevelCaching.Wrap(fetcher, SecondLevelCaching.CheckFor(hop, raw, awsCliName, () => assumeRole.Chained), hop.Endpoint, awsCliName, root, gateway, options, context, settings, logger);
        return new RefreshingSession(key, fetcher, context.Cache.Clock, settings, logger, context.Telemetry, context.Cache.Scheduler);
    }

    /// <summary>
    /// A configured mandatory window is part of the session's identity: a provider must never be handed credentials
    /// inside its own mandatory window because another provider with a shorter one created the session, and a
    /// configured window is a hard floor while the default one may shrink for very short sessions.
    /// </summary>
    private static string MandatoryMarker(AssumeRoleOptions options) =>
        options.MandatoryRefreshWindow is { } mandatory
            ? $"|mandatory={mandatory.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture)}"
            : string.Empty;
}
