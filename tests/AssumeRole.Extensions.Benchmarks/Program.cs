using AssumeRole.Extensions.Benchmarks;
using AssumeRole.Extensions.Benchmarks.Scenarios;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/AssumeRole.Extensions.Benchmarks -- <mode>
//   scenarios          STS call counts, worst caller latency, memory per session (console table, ~2 min)
//   smoke              every scenario and every benchmark once with tiny sizes (seconds; CI); exit code 0/1
//   fleet              8 OS processes, 20 roles, 3 session lifetimes, one redis-server and one STS emulator (~12 min)
//   fleet-short        the CI version: 8 processes, 5 roles, 2 lifetimes of 30 s, targets enforced (~1.5 min); exit code 0/1
//   fleet-node         one process of the fleet (started by the two above)
//   sick-redis         20 new sessions each with redis-server healthy, paused (SIGSTOP) and killed (~1 min)
//   starved-sync       64 sync GetCredentials() callers on a cold provider, 500 ms STS latency, SetMinThreads(2, 2)
//                      (also part of `scenarios`), all sync and with the first caller async
//   anything else      BenchmarkDotNet (e.g. --filter '*WarmPath*'), see --help
switch (args.FirstOrDefault())
{
    case "scenarios":
        await new ScenarioRunner(ScenarioSettings.Full, Console.Out).RunAsync();
        return 0;
    case "smoke":
        return await Smoke.RunAsync(Console.Out);
    case "fleet":
        return await AssumeRole.Extensions.Benchmarks.Fleet.FleetDriver.RunAsync(AssumeRole.Extensions.Benchmarks.Fleet.FleetSettings.Full, Console.Out);
    case "fleet-short":
        return await AssumeRole.Extensions.Benchmarks.Fleet.FleetDriver.RunAsync(AssumeRole.Extensions.Benchmarks.Fleet.FleetSettings.Short, Console.Out);
    case "sick-redis":
        return await AssumeRole.Extensions.Benchmarks.Fleet.SickRedisScenario.RunAsync(Console.Out);
    case "fleet-node":
        return await AssumeRole.Extensions.Benchmarks.Fleet.FleetNode.RunAsync(args);
    case "starved-sync":
        await StarvedSyncCallers.RunAsync(callers: 64, TimeSpan.FromMilliseconds(500), Console.Out);
        await StarvedSyncCallers.RunAsync(callers: 64, TimeSpan.FromMilliseconds(500), Console.Out, firstAsync: true);
        return 0;
    case StarvedSyncCallers.ChildMode:
        return StarvedSyncCallers.RunChild(args);
    default:
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
}
