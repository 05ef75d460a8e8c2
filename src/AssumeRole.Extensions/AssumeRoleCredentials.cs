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
    private readonly SessionCache _cache;
    private RefreshingSession? _session;

    /// <summary>Initializes a new instance of the <see cref="AssumeRoleCredentials"/> class.</summary>
    /// <param name="options">The role (or chain) to assume. Validated at once; later changes to it have no effect.</param>
    /// <exception cref="ArgumentException">An option breaks an STS rule; the message names the field and the rule.</exception>
    public AssumeRoleCredentials(AssumeRoleOptions options)
        : this(options, timeProvider: null, loggerFactory: null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="AssumeRoleCredentials"/> class.</summary>
    /// <param name="sourceCredentials">The credentials that call STS for the first hop.</param>
    /// <param name="roleArn">The role to assume.</param>
    /// <param name="roleSessionName">The session name, or <see langword="null"/> for the default.</param>
    public AssumeRoleCredentials(AWSCredentials sourceCredentials, string roleArn, string? roleSessionName = null)
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
        var logger = context.LoggerFactory.CreateLogger<AssumeRoleCredentials>();

        var source = options.SourceCredentials ?? SourcePrincipal.DefaultChain;
        var sourceIsRoleSession = options.SourceIsRoleSession ?? SourcePrincipal.IsRoleSession(source);
        var hops = ChainPlanner.Plan(options, sourceIsRoleSession, logger);

        RoleArn = options.RoleArn!;
        HopCount = hops.Count;

        // Walk the chain: each hop's session is looked up (or created) under a key that includes the previous hop's
        // key, so chains that share a prefix share those sessions.
        RefreshingSession? previous = null;
        var principal = SourcePrincipal.KeyOf(source);
        if (source is AssumeRoleCredentials ours && ReferenceEquals(ours._cache, _cache))
        {
            // Another provider of ours as the source: chain onto its session (leased like a hop's source), not onto
            // the provider object, which the shared session of this hop would outlive once that provider is disposed.
            previous = ours.Session;
            if (!previous.TryAddLease())
            {
                throw new ObjectDisposedException(nameof(AssumeRoleCredentials), "The source credentials' session was disposed.");
            }
        }

        try
        {
            foreach (var hop in hops)
            {
                var key = hop.ComputeKey(principal + L2Marker(options) + MandatoryMarker(options));
                var parent = previous;
                var hopSource = parent is null ? source : new SessionCredentials(parent);
                var hopPrincipal = principal;
                var session = _cache.Acquire(key, () => CreateSession(key, hop, hopSource, hopPrincipal, parent, options, context));
                if (previous is not null)
                {
                    // The hop's session holds its own lease on its source; drop the one taken while walking.
                    _cache.Release(previous);
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
                _cache.Release(previous);
            }

            throw;
        }

        _session = previous!;
        SessionKey = _session.Key;
    }

    /// <summary>Gets the ARN of the role these credentials assume (the last hop of a chain).</summary>
    public string RoleArn { get; }

    /// <summary>Gets the number of hops (1 for a single role).</summary>
    public int HopCount { get; }

    /// <summary>Gets the expiry of the credentials currently cached, or <see langword="null"/> before the first fetch.</summary>
    public override DateTime? Expiration
    {
        get => _session?.State?.ExpirationUtc;
        set { }
    }

    /// <summary>Gets the ARN of the assumed-role session currently cached, or <see langword="null"/> before the first fetch.</summary>
    public string? AssumedRoleArn => _session?.State?.AssumedRoleArn;

    internal string SessionKey { get; }

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

    /// <inheritdoc />
    public override string ToString() => $"AssumeRoleCredentials {{ RoleArn = {RoleArn}, Hops = {HopCount} }}";

    private static RefreshingSession CreateSession(
        string key,
        HopSpec hop,
        AWSCredentials source,
        string principal,
        RefreshingSession? parent,
        AssumeRoleOptions options,
        AssumeRoleContext context)
    {
        var logger = context.LoggerFactory.CreateLogger<AssumeRoleCredentials>();
        var (gateway, owned) = context.GatewayFactory(source, principal, hop.Endpoint);
        if (parent is not null && !parent.TryAddLease())
        {
            throw new ObjectDisposedException(nameof(AssumeRoleCredentials), "The source session of this hop was disposed.");
        }

        ISessionFetcher fetcher = new AssumeRoleFetcher(
            hop,
            gateway,
            owned,
            parent,
            parent is null ? null : context.Cache.Release,
            AssumeRoleFetcher.CreatePipeline(options, context.TimeProvider, logger),
            context.Caps,
            logger);
        var settings = SessionSettings.From(options, context.Random);
        var levels = SecondLevelCaches(options, context.TimeProvider);
        if (levels.Count > 0)
        {
            fetcher = new CachedSessionFetcher(fetcher, levels, StablePrincipal(source, parent, gateway), hop, settings, context.TimeProvider, logger, context.Telemetry);
        }

        return new RefreshingSession(key, fetcher, context.Cache.Clock, settings, logger, context.Telemetry);
    }

    /// <summary>
    /// Providers with different second-level caches get different sessions, so a provider never silently inherits
    /// (or loses) a file or fleet cache because another provider created the session first.
    /// </summary>
    private static string L2Marker(AssumeRoleOptions options) =>
        options.FileCacheDirectory is null && options.DistributedCache is null
            ? string.Empty
            : $"|file={options.FileCacheDirectory}|dist={(options.DistributedCache is null ? 0 : System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(options.DistributedCache))}";

    /// <summary>
    /// Providers with different mandatory windows get different sessions: the window is fixed by whoever creates the
    /// session, and a provider asking for a longer one must never be handed credentials inside it.
    /// </summary>
    private static string MandatoryMarker(AssumeRoleOptions options) =>
        options.MandatoryRefreshWindow is { } mandatory && mandatory != AssumeRoleDefaults.MandatoryRefreshWindow
            ? $"|mandatory={mandatory.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture)}"
            : string.Empty;

    private static List<ISecondLevelCache> SecondLevelCaches(AssumeRoleOptions options, TimeProvider timeProvider)
    {
        var levels = new List<ISecondLevelCache>(2);
        if (options.FileCacheDirectory is { } directory)
        {
            levels.Add(new FileSessionCache(directory, timeProvider));
        }

        if (options.DistributedCache is { } distributed && options.DataProtectionProvider is { } protection)
        {
            levels.Add(new DistributedSessionCache(distributed, protection));
        }

        return levels;
    }

    /// <summary>Who the source is, in terms every process of a fleet agrees on (see <see cref="CachedSessionFetcher"/>).</summary>
    private static Func<CancellationToken, Task<string>> StablePrincipal(AWSCredentials source, RefreshingSession? parent, IStsGateway gateway)
    {
        if (parent is not null)
        {
            return async ct => "hop:" + (parent.Fetcher is CachedSessionFetcher cached
                ? await cached.TryGetKeyAsync(ct).ConfigureAwait(false) ?? parent.Key
                : parent.Key);
        }

        if (source is BasicAWSCredentials or SessionAWSCredentials)
        {
            var principal = SourcePrincipal.KeyOf(source);
            return _ => Task.FromResult(principal);
        }

        return async ct => "arn:" + CachedSessionFetcher.StablePrincipalOf(await gateway.GetCallerArnAsync(ct).ConfigureAwait(false));
    }
}
