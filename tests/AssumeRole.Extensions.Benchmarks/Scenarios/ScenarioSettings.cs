namespace AssumeRole.Extensions.Benchmarks.Scenarios;

/// <summary>The sizes of the console scenarios: the numbers, or tiny ones for the CI smoke run.</summary>
public sealed record ScenarioSettings(
    int Providers,
    int Callers,
    TimeSpan RefreshLatency,
    TimeSpan Outage,
    int[] TenantCounts,
    int Lookups,
    bool WarmUp,
    int StarvedCallers,
    TimeSpan StarvedLatency)
{
    /// <summary>
    /// Lifetime the emulator gives the sessions of the refresh-window scenarios: 5 min 1 s. With their defaults, the
    /// SDK's provider refreshes when less than 15 min are left (so at once), ours when less than 5 min plus up to 1 min
    /// of jitter are left (so within 1 s). Both then still hold credentials valid for about 5 minutes.
    /// </summary>
    public static readonly TimeSpan WindowSessionLifetime = TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1);

    /// <summary>How long after the first fetch both providers are surely inside their refresh windows.</summary>
    public static readonly TimeSpan IntoWindow = TimeSpan.FromMilliseconds(1_200);

    public static ScenarioSettings Full { get; } = new(20, 8, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(30), [1_000, 10_000], 200_000, WarmUp: true, StarvedCallers: 64, StarvedLatency: TimeSpan.FromMilliseconds(500));

    public static ScenarioSettings Smoke { get; } = new(3, 2, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), [50, 100], 1_000, WarmUp: false, StarvedCallers: 8, StarvedLatency: TimeSpan.FromMilliseconds(100));
}
