using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Diagnostics.Metrics;
using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Caching;
using AssumeRole.Extensions.Sts;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AssumeRole.Extensions.Refresh;

/// <summary>
/// The services a provider runs on: clock, logging, the session cache, how STS clients are made, and learned duration
/// caps. Production uses <see cref="For(TimeProvider?, ILoggerFactory?, IMeterFactory?)"/>; tests swap the STS gateway for a double.
/// </summary>
internal sealed class AssumeRoleContext
{
    // Keyed weakly by the source object: a client lives as long as its source credentials do, instead of keeping
    // every source (and its keys) of the process alive for ever. A value referring to its key does not keep it alive.
    private static readonly ConditionalWeakTable<AWSCredentials, ConcurrentDictionary<StsEndpoint, Lazy<IStsGateway>>> s_sharedGateways = new();

    public AssumeRoleContext(
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        SessionCache cache,
        Func<AWSCredentials, string, StsEndpoint, (IStsGateway Gateway, bool Owned)> gatewayFactory,
        DurationCaps caps,
        Func<double>? random = null,
        AssumeRoleTelemetry? telemetry = null)
    {
        TimeProvider = timeProvider;

        // Guarded: the engine logs while it owns shared work (a refresh, a lease, a timer), which a throwing logging
        // provider must never leave unfinished.
        LoggerFactory = GuardedLoggerFactory.Wrap(loggerFactory);
        Cache = cache;
        Telemetry = telemetry ?? AssumeRoleTelemetry.Default;
        GatewayFactory = InstrumentedStsGateway.Wrap(gatewayFactory, Telemetry, timeProvider, LoggerFactory);
        Caps = caps;
        Random = random;
    }

    private AssumeRoleContext(AssumeRoleContext other, Func<ISessionFetcher, ISessionFetcher> fetcherDecorator)
    {
        TimeProvider = other.TimeProvider;
        LoggerFactory = other.LoggerFactory;
        Cache = other.Cache;
        Telemetry = other.Telemetry;
        GatewayFactory = other.GatewayFactory; // already instrumented: wrapping it again would count every call twice
        Caps = other.Caps;
        Random = other.Random;
        // Decorators compose: the new one wraps what an earlier one made.
        FetcherDecorator = other.FetcherDecorator is { } earlier ? f => fetcherDecorator(earlier(f)) : fetcherDecorator;

        // Sessions are process-wide, but a decorated fetcher belongs to whoever decorated it (the multi-tenant factory's
        // rate gate, disposed with its container): such sessions must never be found by anyone else. A counter, not a
        // hash code, so that no later context can ever reuse the identity; the cache's own, since keys only ever meet
        // within one cache (and so a simulation's keys do not depend on what else ran in the process before it).
        SessionKeyMarker = "|decorated=" + other.Cache.NextDecoratedContextId().ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public TimeProvider TimeProvider { get; }

    /// <summary>The user's logger factory, guarded so that its loggers never throw (see <see cref="GuardedLogger"/>).</summary>
    public ILoggerFactory LoggerFactory { get; }

    public SessionCache Cache { get; }

    /// <summary>Makes (or shares) the STS gateway for a source principal and endpoint; Owned = the session disposes it.</summary>
    public Func<AWSCredentials, string, StsEndpoint, (IStsGateway Gateway, bool Owned)> GatewayFactory { get; }

    public DurationCaps Caps { get; }

    public Func<double>? Random { get; }

    /// <summary>Metrics and traces: of the DI container's <see cref="IMeterFactory"/>, or the static default.</summary>
    public AssumeRoleTelemetry Telemetry { get; }

    /// <summary>
    /// Wraps every new session's fetcher, or <see langword="null"/>. The multi-tenant factory uses it to rate-limit
    /// STS calls: the wait happens before the per-request timeout starts, so a queued call never times out.
    /// </summary>
    public Func<ISessionFetcher, ISessionFetcher>? FetcherDecorator { get; private init; }

    /// <summary>
    /// Added to the key of every session this context creates: empty for a plain context; unique to each decorated
    /// context, so that its sessions (whose fetchers hold its decorator) are shared with no other provider — a plain
    /// provider with the same parameters is neither rate-limited by a factory's gate nor broken by its disposal, and a
    /// second container in the same process gets sessions of its own.
    /// </summary>
    public string SessionKeyMarker { get; } = string.Empty;

    /// <summary>
    /// This context with every new session's fetcher wrapped by <paramref name="fetcherDecorator"/> (around the decorator
    /// this context already has, if any).
    /// </summary>
    public AssumeRoleContext WithFetcherDecorator(Func<ISessionFetcher, ISessionFetcher> fetcherDecorator) => new(this, fetcherDecorator);

    public static AssumeRoleContext For(TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
    {
        var tp = timeProvider ?? TimeProvider.System;
        var lf = loggerFactory ?? NullLoggerFactory.Instance;
        var cache = SessionCache.For(tp);
        if (loggerFactory is not null && cache.Logger is NullLogger)
        {
            cache.Logger = lf.CreateLogger("AssumeRole.Extensions.SessionCache");
        }

        return new AssumeRoleContext(tp, lf, cache, SdkGateway, DurationCaps.Shared, telemetry: AssumeRoleTelemetry.For(meterFactory));
    }

    /// <summary>
    /// One SDK STS client per root source and endpoint, reused by every refresh of every session from that source; a
    /// chained hop's source is a session, so its client belongs to (and is disposed with) the hop's session.
    /// </summary>
    private static (IStsGateway, bool) SdkGateway(AWSCredentials source, string principal, StsEndpoint endpoint)
    {
        if (source is SessionCredentials)
        {
            return (new SdkStsGateway(source, endpoint), true);
        }

        var bySource = s_sharedGateways.GetValue(source, static _ => new ConcurrentDictionary<StsEndpoint, Lazy<IStsGateway>>());
        return (bySource.GetOrAdd(endpoint, e => new Lazy<IStsGateway>(() => new SdkStsGateway(source, e))).Value, false);
    }
}
