using System.Globalization;
using Amazon.Runtime;
using AssumeRole.Extensions.MultiTenant;

namespace AssumeRole.Extensions.Tests.Simulation;

/// <summary>Whom credentials must have been issued for: role, session name and external ID of the target hop.</summary>
internal sealed record Target(string RoleArn, string SessionName, string? ExternalId)
{
    public override string ToString() => $"{RoleArn[(RoleArn.LastIndexOf('/') + 1)..]} as {SessionName}{(ExternalId is null ? string.Empty : " with an external ID")}";
}

/// <summary>The clocks at one moment of the run.</summary>
internal sealed record Moment(long MonotonicMs, DateTimeOffset TrueNow, DateTimeOffset WallNow, TimeSpan WallStepped);

/// <summary>One hop of a simulated provider.</summary>
internal sealed record SimHop(string RoleArn, string SessionName, string? ExternalId, int? DurationSeconds);

/// <summary>A provider's configuration in the simulation.</summary>
internal sealed record ProviderSpec(IReadOnlyList<SimHop> Hops, TimeSpan? Mandatory, int Retries, bool SyncSafe, bool NeverAnsweringMfa)
{
    public Target Target => new(Hops[^1].RoleArn, Hops[^1].SessionName, Hops[^1].ExternalId);

    public string? PreviousRole => Hops.Count > 1 ? Hops[^2].RoleArn : null;

    public AssumeRoleOptions ToOptions(AWSCredentials source, ISet<string> mfaRoles)
    {
        var last = Hops[^1];
        var options = new AssumeRoleOptions
        {
            SourceCredentials = source,
            MaxStsRetries = Retries,
            MandatoryRefreshWindow = Mandatory,

            // Polly's timeout runs on real-time timers for a non-system clock: the longest it takes keeps it from ever
            // firing during a run; the simulated STS plays the 10 s client timeout on the simulated clock (SimSts).
            StsRequestTimeout = SimSts.ClientTimeoutBound,
        };
        Apply(options, last, mfaRoles);
        foreach (var hop in Hops.Take(Hops.Count - 1))
        {
            var options2 = new AssumeRoleHopOptions();
            Apply(options2, hop, mfaRoles);
            options.Chain.Add(options2);
        }

        return options;
    }

    public override string ToString() =>
        string.Join(" > ", Hops.Select(h => string.Create(CultureInfo.InvariantCulture, $"{h.RoleArn[(h.RoleArn.LastIndexOf('/') + 1)..]}/{h.DurationSeconds?.ToString(CultureInfo.InvariantCulture) ?? "-"}")))
        + (Mandatory is { } m ? $" M={m.TotalMinutes}m" : string.Empty) + $" r={Retries}";

    private void Apply(AssumeRoleHopOptions target, SimHop hop, ISet<string> mfaRoles)
    {
        target.RoleArn = hop.RoleArn;
        target.RoleSessionName = hop.SessionName;
        target.ExternalId = hop.ExternalId;
        target.DurationSeconds = hop.DurationSeconds;
        if (mfaRoles.Contains(hop.RoleArn))
        {
            target.MfaSerialNumber = "arn:aws:iam::123456789012:mfa/sim";
            target.TokenCodeProvider = NeverAnsweringMfa
                ? _ => new ValueTask<string>(new TaskCompletionSource<string>().Task)
                : _ => ValueTask.FromResult("123456");
        }
    }
}

/// <summary>A provider of the run.</summary>
internal sealed class ProviderHandle(int id, ProviderSpec spec, AssumeRoleCredentials provider)
{
    public int Id { get; } = id;

    public ProviderSpec Spec { get; set; } = spec;

    public AssumeRoleCredentials Provider { get; } = provider;

    public bool Disposed { get; set; }
}

/// <summary>A multi-tenant factory of the run (one per simulated DI container).</summary>
internal sealed class FactoryHandle(int id, TenantCredentialsFactory factory)
{
    public int Id { get; } = id;

    public TenantCredentialsFactory Factory { get; } = factory;

    public bool Disposed { get; set; }
}

/// <summary>One caller's call: what it must get, when it started and ended.</summary>
internal sealed class CallRecord(int id, Target target, string? previousRole, TimeSpan? mandatory, ProviderHandle? provider, FactoryHandle? factory)
{
    public int Id { get; } = id;

    public Target Target { get; } = target;

    public string? PreviousRole { get; } = previousRole;

    public TimeSpan? Mandatory { get; } = mandatory;

    public ProviderHandle? Provider { get; } = provider;

    public FactoryHandle? Factory { get; } = factory;

    public Task<ImmutableCredentials>? Task { get; set; }

    public Moment Started { get; set; } = null!;

    public Moment? Ended { get; set; }

    /// <summary>The caller's task completed on a thread other than the one driving the run (see SimWorld.Complete).</summary>
    public bool EndedOffThread { get; set; }
}

/// <summary>An invariant of the engine broke: the seed, the step and the recent events, to replay it exactly.</summary>
internal sealed class SimulationFailure(int seed, int step, string op, string violation, IReadOnlyList<string> recent)
    : Exception(Describe(seed, step, op, violation, recent))
{
    public int Seed { get; } = seed;

    private static string Describe(int seed, int step, string op, string violation, IReadOnlyList<string> recent) =>
        string.Create(CultureInfo.InvariantCulture, $"Simulation seed {seed}, step {step} ({op}): {violation}\n")
        + string.Create(CultureInfo.InvariantCulture, $"Replay: ASSUMEROLE_SIM_SEED={seed} ASSUMEROLE_SIM_OPS={(op == "teardown" ? step : step + 1)} tests/AssumeRole.Extensions.Tests/bin/Release/net10.0/AssumeRole.Extensions.Tests -method \"*.Replay_SeedFromEnvironment_RunsItExactly\"\n")
        + "Recent events:\n  " + string.Join("\n  ", recent);
}
