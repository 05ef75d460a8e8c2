using System.Diagnostics;
using System.Globalization;
using Amazon.Runtime;
using AssumeRole.Extensions.Benchmarks.Infrastructure;
using AssumeRole.Extensions.Testing;

namespace AssumeRole.Extensions.Benchmarks.Scenarios;

/// <summary>
/// The scenarios BenchmarkDotNet cannot express (STS call counts, worst caller latency, memory per session), each run
/// for the SDK's provider and ours under identical conditions, one after the other, against the same emulator.
/// </summary>
internal sealed class ScenarioRunner(ScenarioSettings settings, TextWriter output)
{
    private readonly StsBench _sts = StsBench.Shared;
    private readonly List<string[]> _rows = [];

    private enum Kind
    {
        Sdk,
        Ours,
    }

    public async Task RunAsync()
    {
        output.WriteLine($"Emulator: {_sts.Emulator.Endpoint}; SDK provider PreemptExpiryTime = {_sts.Sdk("arn:aws:iam::123456789012:role/probe").PreemptExpiryTime}");
        await SharingAsync();
        await StarvedSyncCallersAsync();
        await RefreshLatencyAsync();
        await OutageAsync();
        TenantMemoryAndLookup();
        PrintTable();
    }

    private AWSCredentials Make(Kind kind, string roleArn) => kind == Kind.Sdk ? _sts.Sdk(roleArn) : _sts.Ours(roleArn);

    private async Task SharingAsync()
    {
        var counts = new Dictionary<Kind, int>();
        foreach (var kind in new[] { Kind.Sdk, Kind.Ours })
        {
            var role = _sts.AddRole($"shared-{kind}");
            var providers = Enumerable.Range(0, settings.Providers).Select(_ => Make(kind, role)).ToList();
            await Task.WhenAll(providers.Select(p => p.GetCredentialsAsync()));
            counts[kind] = _sts.AssumeRoleCalls(role);
            providers.ForEach(p => ((IDisposable)p).Dispose());
        }

        Row($"STS calls, {settings.Providers} providers of one role", counts[Kind.Sdk], counts[Kind.Ours], "1", counts[Kind.Ours] == 1);
    }

    private async Task StarvedSyncCallersAsync()
    {
        foreach (var firstAsync in new[] { false, true })
        {
            var (sdk, ours) = await StarvedSyncCallers.RunAsync(settings.StarvedCallers, settings.StarvedLatency, output, firstAsync);
            Row(
                $"{settings.StarvedCallers} sync `GetCredentials()` callers (`Task.Run`) on a cold provider, {settings.StarvedLatency.TotalMilliseconds:0} ms STS latency, "
                + $"`SetMinThreads(2, 2)`{(firstAsync ? ", the first caller async" : string.Empty)}: succeeded, slowest",
                $"{sdk.Succeeded}/{settings.StarvedCallers}, {sdk.SlowestMs:0} ms",
                $"{ours.Succeeded}/{settings.StarvedCallers}, {ours.SlowestMs:0} ms",
                "all, ≤ 1 s",
                ours.Succeeded == settings.StarvedCallers && ours.SlowestMs <= 1000);
        }
    }

    private async Task RefreshLatencyAsync()
    {
        if (settings.WarmUp)
        {
            // One short unreported round each, so that neither provider's first trip through its refresh code pays for JIT.
            var warm = settings with { RefreshLatency = TimeSpan.FromMilliseconds(300) };
            foreach (var kind in new[] { Kind.Sdk, Kind.Ours })
            {
                await InWindowAsync(kind, "latency-warmup", role => StsFault.Latency(warm.RefreshLatency, times: null, "AssumeRole", role), warm.RefreshLatency + TimeSpan.FromMilliseconds(300));
            }
        }

        var stats = new Dictionary<Kind, (CallerStats Stats, int Calls)>();
        foreach (var kind in new[] { Kind.Sdk, Kind.Ours })
        {
            stats[kind] = await InWindowAsync(
                kind, "latency", role => StsFault.Latency(settings.RefreshLatency, times: null, "AssumeRole", role), settings.RefreshLatency + TimeSpan.FromMilliseconds(500));
        }

        var sdk = stats[Kind.Sdk].Stats;
        var ours = stats[Kind.Ours].Stats;
        Row(
            $"Worst caller latency while a refresh with {settings.RefreshLatency.TotalSeconds:0.#} s STS latency runs, {settings.Callers} callers (p99 in brackets)",
            $"{sdk.WorstMs:0.###} ms ({sdk.P99Ms:0.###})",
            $"{ours.WorstMs:0.###} ms ({ours.P99Ms:0.###})",
            "≤ 1 ms",
            ours.WorstMs <= 1);
        Row($"… calls served / failed during it", $"{sdk.Calls} / {sdk.Errors}", $"{ours.Calls} / {ours.Errors}", "0 failed", ours.Errors == 0);
    }

    private async Task OutageAsync()
    {
        var stats = new Dictionary<Kind, (CallerStats Stats, int Calls)>();
        foreach (var kind in new[] { Kind.Sdk, Kind.Ours })
        {
            stats[kind] = await InWindowAsync(kind, "outage", role => StsFault.Outage("AssumeRole", role), settings.Outage);
        }

        var (sdk, ours) = (stats[Kind.Sdk], stats[Kind.Ours]);
        Row(
            $"STS calls during a {settings.Outage.TotalSeconds:0.#} s STS outage inside the refresh window, {settings.Callers} callers",
            sdk.Calls,
            ours.Calls,
            "≤ 3",
            ours.Calls <= 3);
        Row($"… caller calls served / failed during it", $"{sdk.Stats.Calls} / {sdk.Stats.Errors}", $"{ours.Stats.Calls} / {ours.Stats.Errors}", "0 failed", ours.Stats.Errors == 0);
    }

    /// <summary>
    /// Fetches short-lived credentials, turns the fault on for the role, waits until the provider is in
    /// its refresh window, runs the callers for <paramref name="duration"/>, turns the fault off. Returns the callers'
    /// stats and the AssumeRole calls the emulator received while the fault was on.
    /// </summary>
    private async Task<(CallerStats Stats, int Calls)> InWindowAsync(Kind kind, string name, Func<string, StsFault> faultFor, TimeSpan duration)
    {
        var role = _sts.AddRole($"{name}-{kind}", ScenarioSettings.WindowSessionLifetime);
        var fault = faultFor(role);
        var provider = Make(kind, role);
        try
        {
            var fetched = Stopwatch.GetTimestamp();
            _sts.WarmAndVerify(provider, role);
            var before = _sts.AssumeRoleCalls(role);
            _sts.Emulator.Faults.Add(fault);
            var wait = ScenarioSettings.IntoWindow - Stopwatch.GetElapsedTime(fetched);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            var stats = await Callers.RunAsync(provider, settings.Callers, duration);
            var calls = _sts.AssumeRoleCalls(role) - before;
            _sts.Emulator.Faults.Remove(fault);
            return (stats, calls);
        }
        finally
        {
            _sts.Emulator.Faults.Remove(fault);
            ((IDisposable)provider).Dispose();
        }
    }

    private void TenantMemoryAndLookup()
    {
        var role = _sts.AddRole("tenant-shape");
        TenantFleet.CredentialShape shape;
        using (var sample = _sts.Ours(role))
        {
            shape = TenantFleet.CredentialShape.Of(sample.GetCredentials());
        }

        var lookups = new List<(int N, double Ns)>();
        foreach (var n in settings.TenantCounts)
        {
            // The options exist before the baseline: they are the app's configuration, not our cache.
            var options = TenantFleet.TenantOptions(n);
            var before = GC.GetTotalMemory(forceFullCollection: true);
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            using var fleet = TenantFleet.Create(options, shape);
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            var after = GC.GetTotalMemory(forceFullCollection: true);
            var perSession = (after - before) / (double)n;
            Row(
                $"{n:N0} tenant roles cached: bytes our cache retains per session (of which the credential strings; allocated while creating)",
                "–",
                $"{perSession:N0} B ({shape.StringBytes:N0} B; {allocated / (double)n:N0} B)",
                "≤ 2 KB",
                perSession <= 2048);

            var order = Enumerable.Range(0, n).ToArray();
            new Random(42).Shuffle(order);
            for (var i = 0; i < Math.Min(n, 1000); i++)
            {
                fleet.LookUp(order[i]);
            }

            var started = Stopwatch.GetTimestamp();
            for (var i = 0; i < settings.Lookups; i++)
            {
                fleet.LookUp(order[i % n]);
            }

            lookups.Add((n, Stopwatch.GetElapsedTime(started).TotalNanoseconds / settings.Lookups));
        }

        var first = lookups[0];
        var last = lookups[^1];
        var growth = last.Ns / first.Ns;
        Row(
            $"Tenant lookup (new provider + GetCredentials) at {string.Join(" / ", lookups.Select(l => l.N.ToString("N0", CultureInfo.InvariantCulture)))} tenants",
            "–",
            string.Join(" / ", lookups.Select(l => $"{l.Ns:N0} ns")) + $" (×{growth:0.00})",
            "O(1)",
            growth < 1.5);
    }

    private void Row(string scenario, object sdk, object ours, string target, bool met) =>
        _rows.Add([scenario, Convert.ToString(sdk, CultureInfo.InvariantCulture)!, Convert.ToString(ours, CultureInfo.InvariantCulture)!, target, met ? "yes" : "**no**"]);

    private void PrintTable()
    {
        output.WriteLine();
        output.WriteLine("| Scenario | SDK `AssumeRoleAWSCredentials` | Ours `AssumeRoleCredentials` | Target (ours) | Met |");
        output.WriteLine("|---|---:|---:|---|---|");
        foreach (var row in _rows)
        {
            output.WriteLine("| " + string.Join(" | ", row) + " |");
        }
    }
}
