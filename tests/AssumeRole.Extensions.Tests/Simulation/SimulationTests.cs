using System.Diagnostics;
using System.Globalization;

namespace AssumeRole.Extensions.Tests.Simulation;

/// <summary>
/// The seeded deterministic simulation of the whole engine (see <see cref="SimWorld"/>): a few fixed seeds in every
/// test run; the long run and the replay of one seed are switched on by environment variables (README, "Simulation").
/// </summary>
public sealed class SimulationTests
{
    /// <summary>Operations per seed in the normal test run: a few seconds for all seeds together.</summary>
    private const int Operations = 4_000;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(1234)]
    public void Run_FixedSeed_EveryInvariantHolds(int seed)
    {
        using var world = new SimWorld(seed);

        world.Run(Operations);

        Report(world, Operations);
        Assert.True(world.CredentialsHandedOut > Operations / 10, "the run handed out credentials");
        Assert.True(world.CallerFailures > 0, "the faults reached callers");
        Assert.True(world.RoleCount >= 100);
    }

    [Fact]
    public void Run_SameSeedTwice_ReplaysExactly()
    {
        ulong Fingerprint()
        {
            using var world = new SimWorld(7);
            world.Run(1_500);
            return world.Fingerprint;
        }

        Assert.Equal(Fingerprint(), Fingerprint());
    }

    [Fact]
    public void Replay_SeedFromEnvironment_RunsItExactly()
    {
        var seed = Environment.GetEnvironmentVariable("ASSUMEROLE_SIM_SEED");
        Assert.SkipWhen(seed is null, "Set ASSUMEROLE_SIM_SEED (and ASSUMEROLE_SIM_OPS) to replay one seed.");
        var operations = int.Parse(Environment.GetEnvironmentVariable("ASSUMEROLE_SIM_OPS") ?? "100000", CultureInfo.InvariantCulture);
        using var world = new SimWorld(int.Parse(seed!, CultureInfo.InvariantCulture));

        world.Run(operations);

        Report(world, operations);
    }

    /// <summary>
    /// The long run: <c>ASSUMEROLE_SIM_LONG=SEEDS:OPS</c> (for example <c>100:10000</c>, 10⁶ operations) runs seeds
    /// 1..SEEDS with OPS operations each and prints the totals; it fails listing every seed that broke an invariant.
    /// </summary>
    [Fact]
    public void LongRun_FromEnvironment_EveryInvariantHolds()
    {
        var spec = Environment.GetEnvironmentVariable("ASSUMEROLE_SIM_LONG");
        Assert.SkipWhen(spec is null, "Set ASSUMEROLE_SIM_LONG=SEEDS:OPS for the long run (README, \"Simulation\").");
        var parts = spec!.Split(':');
        var seeds = int.Parse(parts[0], CultureInfo.InvariantCulture);
        var operations = int.Parse(parts[1], CultureInfo.InvariantCulture);
        var started = Stopwatch.GetTimestamp();
        long total = 0, handedOut = 0, failures = 0, sts = 0;
        var violations = new List<string>();
        for (var seed = 1; seed <= seeds; seed++)
        {
            using var world = new SimWorld(seed);
            try
            {
                world.Run(operations);
            }
            catch (SimulationFailure failure)
            {
                // Every failing seed of the run, not just the first: each replays on its own.
                violations.Add(failure.Message[..failure.Message.IndexOf("Recent events:", StringComparison.Ordinal)]);
            }

            total += operations;
            handedOut += world.CredentialsHandedOut;
            failures += world.CallerFailures;
            sts += world.Sts.Calls;
        }

        Assert.True(violations.Count == 0, $"{violations.Count} of {seeds} seeds broke an invariant:\n" + string.Join("\n", violations));

        TestContext.Current.SendDiagnosticMessage(string.Create(
            CultureInfo.InvariantCulture,
            $"simulation: {seeds} seeds, {total:N0} operations, {sts:N0} STS calls, {handedOut:N0} credentials handed out, {failures:N0} typed caller failures, no violation, {Stopwatch.GetElapsedTime(started).TotalSeconds:F0} s"));
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"simulation: {seeds} seeds, {total:N0} operations, {sts:N0} STS calls, {handedOut:N0} credentials handed out, {failures:N0} typed caller failures, no violation, {Stopwatch.GetElapsedTime(started).TotalSeconds:F0} s"));
    }

    private static void Report(SimWorld world, int operations) =>
        TestContext.Current.SendDiagnosticMessage(string.Create(
            CultureInfo.InvariantCulture,
            $"seed {world.Seed}: {operations} operations, {world.Sts.Calls} STS calls, {world.CredentialsHandedOut} credentials, {world.CallerFailures} typed failures, {world.AllowanceUses} within a heartbeat of a resume"));
}
