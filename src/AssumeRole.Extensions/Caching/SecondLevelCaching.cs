using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Sts;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;

namespace AssumeRole.Extensions.Caching;

/// <summary>Wires a hop's fetcher to the second-level caches its options ask for (none: the fetcher is returned as is).</summary>
internal static class SecondLevelCaching
{
    /// <summary>
    /// Part of the in-process session key: providers with different second-level caches (or cache settings, or fleet
    /// coordinators) get different sessions, so a provider never silently inherits (or loses) a cache because another
    /// provider created the session first.
    /// </summary>
    public static string Marker(AssumeRoleOptions options) =>
        options.FileCacheDirectory is null && options.DistributedCache is null
            ? string.Empty
            : FormattableString.Invariant(
                $"|file={options.FileCacheDirectory}|dist={Identity(options.DistributedCache)}|fleet={Identity(options.FleetCoordinator)}|l2t={options.SecondLevelCacheTimeout.Ticks}|l2b={options.SecondLevelCacheBreakDuration.Ticks}|share={options.ShareSessionsAcrossSourceSessions}");

    /// <summary>
    /// The AWS CLI's name for a hop's file cache entry when the hop comes from a profile and the file cache is the
    /// CLI's directory (see <see cref="AwsCliCacheName"/>); otherwise <see langword="null"/>.
    /// </summary>
    /// <remarks>
    /// The CLI's names leave out who calls STS, so they hold only while the whole path to this hop is the profile's:
    /// the chain still starts from the source <c>FromProfile</c> set, and every hop before this one is still its
    /// profile's hop, unchanged. Anything else (another source set after <c>FromProfile</c>, a hop added or changed)
    /// gets principal-keyed names.
    /// </remarks>
    public static string? AwsCliNameOf(AssumeRoleOptions options, AssumeRoleHopOptions raw, HopSpec hop)
    {
        if (raw.FromAwsProfile is not { } profile
            || options.FileCacheDirectory is not { } directory
            || !AwsCliCacheName.IsAwsCliCacheDirectory(directory)
            || options.FromAwsProfileSource is not { } source
            || !source.StillStarts(options))
        {
            return null;
        }

        foreach (var before in options.Chain ?? [])
        {
            if (ReferenceEquals(before, raw))
            {
                break;
            }

            if (before.FromAwsProfile is not { } earlier || !AwsCliCacheName.Unchanged(before, earlier))
            {
                return null;
            }
        }

        return AwsCliCacheName.For(hop, profile, sessionNameSet: raw.RoleSessionName is not null);
    }

    /// <summary>
    /// What an AssumeRole hop's cached entry must be: this role and session name, no longer than STS issues for the
    /// call (one hour at most for a hop known to be chained, from the start or since STS said so).
    /// </summary>
    public static SessionEntryCheck CheckFor(HopSpec hop, AssumeRoleHopOptions raw, string? awsCliName, Func<bool>? learnedChained = null) =>
        new(
            hop.RoleArn,
            // botocore makes up a session name when the profile has none and leaves it out of the entry's name.
            awsCliName is not null && raw.FromAwsProfile?.RoleSessionName is null ? null : hop.RoleSessionName,
            SessionEntryCheck.MaxAssumeRoleLifetime(hop.DurationSeconds, hop.Chained),
            learnedChained);

    /// <summary>What a GetSessionToken entry must be: no role, no longer than STS issues (12 h by default).</summary>
    public static SessionEntryCheck CheckFor(FirstHopSpec hop) =>
        new(null, null, TimeSpan.FromSeconds(hop.DurationSeconds ?? SessionTokenDefaultSeconds));

    /// <summary>Wraps <paramref name="fetcher"/> in a <see cref="CachedSessionFetcher"/> when the options name a second-level cache.</summary>
    /// <param name="fetcher">The hop's fetcher.</param>
    /// <param name="check">What its entries must be.</param>
    /// <param name="endpoint">The hop's STS endpoint.</param>
    /// <param name="awsCliName">The CLI's name for its file entry, or <see langword="null"/>.</param>
    /// <param name="root">The chain's root source and its in-process principal (for the STS clock probe).</param>
    /// <param name="gateway">The hop's own STS client (the probe's fallback when the root cannot sign).</param>
    /// <param name="options">The registration.</param>
    /// <param name="context">The engine's services.</param>
    /// <param name="settings">The session's windows.</param>
    /// <param name="logger">The provider's logger.</param>
    public static ISessionFetcher Wrap(
        ISessionFetcher fetcher,
        SessionEntryCheck check,
        StsEndpoint endpoint,
        string? awsCliName,
        (AWSCredentials Source, string Principal) root,
        IStsGateway gateway,
        AssumeRoleOptions options,
        AssumeRoleContext context,
        SessionSettings settings,
        ILogger logger)
    {
        var levels = new List<ISecondLevelCache>(2);
        var tp = context.TimeProvider;
        var (timeout, breakDuration) = (options.SecondLevelCacheTimeout, options.SecondLevelCacheBreakDuration);
        if (options.FileCacheDirectory is { } directory)
        {
            var expanded = FileSessionCache.ExpandHome(directory);
            levels.Add(new FileSessionCache(
                expanded,
                awsCliName,
                SecondLevelGuard.ForDirectory(expanded, TelemetryNames.FileLevel, timeout, breakDuration, tp, logger),
                logger));
        }

        if (options.DistributedCache is { } distributed && options.DataProtectionProvider is { } protection)
        {
            levels.Add(new DistributedSessionCache(
                distributed,
                protection,
                SecondLevelGuard.ForCache(distributed, TelemetryNames.DistributedLevel, timeout, breakDuration, tp, logger)));
        }

        if (levels.Count == 0)
        {
            return fetcher;
        }

        var coordinator = options.DistributedCache is null ? null : options.FleetCoordinator;
        var secondLevel = new SecondLevelSettings(
            check,
            context.Cache.StsClock,
            endpoint,
            root.Source is AnonymousAWSCredentials ? gateway : root.Source,
            ClockProbe(root, gateway, endpoint, context),
            coordinator,
            coordinator is null ? null : SecondLevelGuard.ForCache(coordinator, FleetLevel, timeout, breakDuration, tp, logger),
            tp,
            options.ShareSessionsAcrossSourceSessions);
        return new CachedSessionFetcher(fetcher, levels, secondLevel, settings, logger, context.Telemetry);
    }

    /// <summary>The level name of fleet coordination in logs and metrics.</summary>
    public const string FleetLevel = "fleet";

    private const int SessionTokenDefaultSeconds = 43200;

    /// <summary>
    /// Asks STS its time with GetCallerIdentity signed by the chain's root source, on the hop's endpoint: the root
    /// never depends on our sessions, so the probe cannot wait on a session that is itself waiting for STS's clock.
    /// A web identity root cannot sign: the hop's own client (signing as the web identity session) asks then.
    /// </summary>
    private static Func<CancellationToken, Task<CallerIdentity>> ClockProbe(
        (AWSCredentials Source, string Principal) root,
        IStsGateway gateway,
        StsEndpoint endpoint,
        AssumeRoleContext context)
    {
        if (root.Source is AnonymousAWSCredentials)
        {
            return gateway.GetCallerIdentityAsync;
        }

        var rootGateway = new Lazy<IStsGateway>(() => context.GatewayFactory(root.Source, root.Principal, endpoint).Gateway);
        return ct => rootGateway.Value.GetCallerIdentityAsync(ct);
    }

    private static int Identity(object? instance) =>
        instance is null ? 0 : System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(instance);
}
