namespace AssumeRole.Extensions.Benchmarks.Fleet;

/// <summary>The fleet scenario's size: OS processes, roles, emulated session lifetime and how many of them to run.</summary>
public sealed record FleetSettings(int Nodes, int Roles, TimeSpan Lifetime, int Lifetimes, IReadOnlyList<string> Variants, bool EnforceTargets)
{
    /// <summary>The benchmarks README figure: 8 processes, 20 roles, 3 lifetimes of 60 s, ours with and without leases, and the SDK.</summary>
    public static FleetSettings Full { get; } = new(8, 20, TimeSpan.FromSeconds(60), 3, [FleetNode.Ours, FleetNode.OursWithoutLeases, FleetNode.Sdk], EnforceTargets: false);

    /// <summary>
    /// CI: 8 processes, 5 roles, 2 lifetimes of 30 s, ours only. Enforced (exit code 1): no caller failure, no expired
    /// credentials, and at most <see cref="CiMaxCallsPerLifetime"/> calls per role per lifetime — a guard that catches
    /// lost coordination (2.5 without it) without failing on the one duplicate call a Redis write timing out on an
    /// overloaded CI machine causes in a run this short (15 generations: one extra call is 1.067).
    /// </summary>
    public static FleetSettings Short { get; } = new(8, 5, TimeSpan.FromSeconds(30), 2, [FleetNode.Ours], EnforceTargets: true);

    /// <summary>The CI guard on calls per role per lifetime (the target, measured by <see cref="Full"/>, is 1.05).</summary>
    public const double CiMaxCallsPerLifetime = 1.25;

    /// <summary>The advisory window every variant uses (the SDK's <c>PreemptExpiryTime</c> too): a quarter of the lifetime.</summary>
    public TimeSpan Advisory => Lifetime / 4;

    /// <summary>
    /// The second-level cache timeout of ours. The library's default (250 ms) is for a production network; on this
    /// shared 2-vCPU VM, with 8 node processes, Redis and the emulator competing at load averages of 20–60, a Redis
    /// round trip regularly takes longer, the circuit breaker then skips Redis, and every node calls STS: this scenario
    /// measures coordination, so it gives Redis 2 s (the README says so next to the figure).
    /// </summary>
    public TimeSpan CacheTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The mandatory window of ours.</summary>
    public TimeSpan Mandatory => Lifetime / 12;

    /// <summary>How long the callers run: the lifetimes, plus a little so the last refresh lands inside the run.</summary>
    public TimeSpan RunTime => (Lifetime * Lifetimes) + TimeSpan.FromSeconds(2);
}
