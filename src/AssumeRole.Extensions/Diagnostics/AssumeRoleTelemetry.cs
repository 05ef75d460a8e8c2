using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;
using System.Runtime.CompilerServices;
using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Sts;
using AssumeRole.Extensions.Validation;
using Microsoft.Extensions.Logging;

namespace AssumeRole.Extensions.Diagnostics;

/// <summary>
/// The library's metrics and traces: one instance per <see cref="IMeterFactory"/> (so every provider of a DI container
/// reports to the same instruments), or <see cref="Default"/> on a static <see cref="Meter"/> when there is no factory
/// (a plain <c>new AssumeRoleCredentials(options)</c>), which a <see cref="MeterListener"/> or OpenTelemetry still sees.
/// The engine calls it at a handful of points; everything about names, tags and logging decisions lives here.
/// </summary>
/// <remarks>
/// Tags never carry secrets: STS error codes (never messages, which may echo an external ID), request ids, role ARNs
/// and session names only. Metric tags other than the expiry gauge's role ARN are bounded sets.
/// </remarks>
internal sealed partial class AssumeRoleTelemetry
{
    /// <summary>
    /// The expiry gauge reports at most this many roles: those with the least time left, so that an alert on the
    /// minimum still works with 10,000 tenant roles while a metrics backend sees a bounded number of series.
    /// </summary>
    public const int MaxExpiryGaugeRoles = 20;

    private static readonly string? s_version =
        typeof(AssumeRoleTelemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

    private static readonly ConditionalWeakTable<IMeterFactory, AssumeRoleTelemetry> s_byFactory = new();
    private static readonly Lazy<AssumeRoleTelemetry> s_default = new(() => new AssumeRoleTelemetry(new Meter(TelemetryNames.Source, s_version)));

    // Sessions created with this telemetry, for the expiry gauge; a session removes itself when disposed.
    private readonly ConcurrentDictionary<RefreshingSession, byte> _sessions = new();
    private readonly Counter<long> _stsRequests;
    private readonly Histogram<double> _stsDuration;
    private readonly Counter<long> _refreshes;
    private readonly Counter<long> _cacheLookups;

    private AssumeRoleTelemetry(Meter meter)
    {
        Meter = meter;
        _stsRequests = meter.CreateCounter<long>(TelemetryNames.StsRequests, "{request}", "STS requests made, by action and outcome (each retry counts).");
        _stsDuration = meter.CreateHistogram<double>(TelemetryNames.StsDuration, "s", "Duration of STS requests, by action and outcome.");
        _refreshes = meter.CreateCounter<long>(TelemetryNames.Refreshes, "{refresh}", "Session refreshes, by trigger and outcome.");
        _cacheLookups = meter.CreateCounter<long>(TelemetryNames.CacheLookups, "{lookup}", "Session cache lookups, by level and result.");
        meter.CreateObservableGauge(
            TelemetryNames.TimeToExpiry,
            ObserveTimeToExpiry,
            "s",
            $"Seconds until the cached credentials of a role expire (least per role; the {MaxExpiryGaugeRoles} roles closest to expiry).");
    }

    /// <summary>The activity source of every span of the library (name <c>AssumeRole.Extensions</c>).</summary>
    public static ActivitySource ActivitySource { get; } = new(TelemetryNames.Source, s_version);

    /// <summary>The telemetry on the static meter, for providers made without an <see cref="IMeterFactory"/>.</summary>
    public static AssumeRoleTelemetry Default => s_default.Value;

    public Meter Meter { get; }

    /// <summary>The telemetry of <paramref name="meterFactory"/>, shared by every caller with the same factory.</summary>
    public static AssumeRoleTelemetry For(IMeterFactory? meterFactory) =>
        meterFactory is null
            ? Default
            : s_byFactory.GetValue(meterFactory, static f => new AssumeRoleTelemetry(f.Create(new MeterOptions(TelemetryNames.Source) { Version = s_version })));

    /// <summary>Validates like <see cref="AssumeRoleOptionsValidator.ThrowIfInvalid"/>, logging the failures first.</summary>
    public static void ThrowIfInvalid(AssumeRoleOptions options, string paramName, ILoggerFactory loggerFactory, string? registration = null)
    {
        var failures = AssumeRoleOptionsValidator.Validate(options, registration);
        if (failures.Count > 0)
        {
            Log.ValidationFailed(
                loggerFactory.CreateLogger<AssumeRoleCredentials>(),
                // Not the role ARN: the failures quote it already (once, escaped and cut), and it may be the bad value.
                registration is null ? "(unnamed)" : SafeText.Quote(registration),
                string.Join(" ", failures));
            AssumeRoleOptionsValidator.ThrowIfInvalid(options!, paramName);
        }
    }

    /// <summary>The error type tag of a failure: the STS (or client-side) error code, never a message.</summary>
    public static string ErrorTypeOf(Exception exception) => exception switch
    {
        AssumeRoleException { ErrorCode: { } code } => code,
        StsCallException { ErrorCode: { } code } => code,
        OperationCanceledException => "Canceled",
        _ => exception.GetType().FullName ?? "Error",
    };

    public void Track(RefreshingSession session) => _sessions.TryAdd(session, 0);

    public void Untrack(RefreshingSession session) => _sessions.TryRemove(session, out _);

    /// <summary>
    /// Starts the span of one refresh. A refresh is shared work that one caller happened to start, so the span is a
    /// root linked to that caller's span rather than its child. Never throws: an <see cref="ActivityListener"/>'s
    /// callbacks (<c>Sample</c>, <c>ActivityStarted</c>) run inside <c>StartActivity</c>, and a throwing one must not
    /// stop the refresh (the span is then dropped).
    /// </summary>
    public static Activity? StartRefresh(string roleArn, int hop, string trigger)
    {
        Activity? activity = null;
        try
        {
            if (!ActivitySource.HasListeners())
            {
                return null;
            }

            // Runs on the refresh's own flow (a pool thread, or an async method run inline whose context changes are
            // undone when it returns), so clearing Current here does not touch the caller's.
            var caller = Activity.Current;
            Activity.Current = null;
            var links = caller is null ? null : new[] { new ActivityLink(caller.Context) };
            activity = ActivitySource.StartActivity(TelemetryNames.RefreshActivity, ActivityKind.Internal, default(ActivityContext), links: links);
            if (activity is { IsAllDataRequested: true })
            {
                activity.SetTag(TelemetryNames.RoleArnTag, roleArn);
                activity.SetTag(TelemetryNames.HopTag, hop);
                activity.SetTag(TelemetryNames.TriggerTag, trigger);
            }

            return activity;
        }
        catch (Exception)
        {
            Stop(activity);
            return null;
        }
    }

    /// <summary>Stops (disposes) a span; never throws, whatever an <see cref="ActivityListener"/>'s stop callback does.</summary>
    public static void Stop(Activity? activity)
    {
        if (activity is null)
        {
            return;
        }

        try
        {
            activity.Dispose();
        }
        catch (Exception)
        {
            // A listener failed on ActivityStopped: the span is lost, the work it traced is not.
        }
    }

    /// <summary>Records a successful refresh. Never throws (a <see cref="MeterListener"/> callback may).</summary>
    public void RefreshSucceeded(Activity? activity, ILogger logger, string roleArn, string trigger, int previousFailures, string? requestId)
    {
        try
        {
            _refreshes.Add(1, new TagList { { TelemetryNames.TriggerTag, trigger }, { TelemetryNames.OutcomeTag, TelemetryNames.Success } });
            if (activity is not null)
            {
                activity.SetTag(TelemetryNames.OutcomeTag, TelemetryNames.Success);
                activity.SetTag(TelemetryNames.RequestIdTag, requestId);
                activity.SetStatus(ActivityStatusCode.Ok);
            }
        }
        catch (Exception)
        {
            // A meter listener failed: the measurement is lost, the refresh is not.
        }

        if (previousFailures > 0)
        {
            Log.RefreshRecovered(logger, roleArn, previousFailures);
        }
    }

    /// <summary>Records a failed refresh. Never throws (a <see cref="MeterListener"/> callback may).</summary>
    public void RefreshFailed(Activity? activity, ILogger logger, string roleArn, string trigger, Exception exception, int consecutiveFailures, long backoffMs, bool disposed)
    {
        try
        {
            var outcome = disposed ? TelemetryNames.Canceled : TelemetryNames.Failure;
            var errorType = ErrorTypeOf(exception);
            _refreshes.Add(1, new TagList
            {
                { TelemetryNames.TriggerTag, trigger },
                { TelemetryNames.OutcomeTag, outcome },
                { TelemetryNames.ErrorTypeTag, errorType },
            });
            if (activity is not null)
            {
                activity.SetTag(TelemetryNames.OutcomeTag, outcome);
                activity.SetTag(TelemetryNames.ErrorTypeTag, errorType);
                activity.SetTag(TelemetryNames.RequestIdTag, (exception as AssumeRoleException)?.RequestId);
                activity.SetStatus(ActivityStatusCode.Error, errorType);
            }
        }
        catch (Exception)
        {
            // A meter listener failed: the measurement is lost, the refresh's outcome is not.
        }

        if (!disposed)
        {
            Log.RefreshBackoff(logger, roleArn, consecutiveFailures, backoffMs / 1000.0);
        }
    }

    /// <summary>Records one lookup of a cache level (<c>memory</c>, <c>distributed</c>, <c>file</c>). Never throws.</summary>
    public void CacheLookup(ILogger logger, string level, bool hit, string roleArn)
    {
        Count(_cacheLookups, new TagList
        {
            { TelemetryNames.CacheLevelTag, level },
            { TelemetryNames.CacheResultTag, hit ? TelemetryNames.Hit : TelemetryNames.Miss },
        });

        // The memory level is looked up on every provider construction, the second levels once per refresh.
        var memory = level == TelemetryNames.MemoryLevel;
        if (hit)
        {
            if (memory)
            {
                Log.CacheHit(logger, level, roleArn);
            }
            else
            {
                Log.SecondLevelCacheHit(logger, roleArn, level);
            }
        }
        else if (memory)
        {
            Log.CacheMiss(logger, level, roleArn);
        }
        else
        {
            Log.SecondLevelCacheMiss(logger, roleArn, level);
        }
    }

    /// <summary>
    /// Records a failed read or write of a second-level cache (the caller carries on without it). Only the exception's
    /// type is logged: a cache client's message may quote what it was given. Never throws.
    /// </summary>
    public void CacheError(ILogger logger, string level, string operation, string roleArn, Exception exception)
    {
        Count(_cacheLookups, new TagList
        {
            { TelemetryNames.CacheLevelTag, level },
            { TelemetryNames.CacheResultTag, TelemetryNames.Error },
        });
        Log.SecondLevelCacheError(logger, roleArn, level, operation, exception.GetType().Name);
    }

    /// <summary>Adds one to a counter; a throwing <see cref="MeterListener"/> loses the measurement, nothing else.</summary>
    private static void Count(Counter<long> counter, in TagList tags)
    {
        try
        {
            counter.Add(1, tags);
        }
        catch (Exception)
        {
            // See the summary.
        }
    }

    private IEnumerable<Measurement<double>> ObserveTimeToExpiry()
    {
        if (_sessions.IsEmpty)
        {
            return [];
        }

        var leastByRole = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var session in _sessions.Keys)
        {
            // Unleased sessions are idle cache entries that are not refreshed any more: their decay is no alarm.
            if (session.Leases <= 0 || session.State is not { } state)
            {
                continue;
            }

            var left = Math.Max(0, (state.ExpiresAtMs - session.Clock.NowMs) / 1000.0);
            if (!leastByRole.TryGetValue(session.RoleArn, out var known) || left < known)
            {
                leastByRole[session.RoleArn] = left;
            }
        }

        return leastByRole
            .OrderBy(p => p.Value)
            .Take(MaxExpiryGaugeRoles)
            .Select(p => new Measurement<double>(p.Value, new KeyValuePair<string, object?>(TelemetryNames.RoleArnTag, p.Key)))
            .ToList();
    }
}
