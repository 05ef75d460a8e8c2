namespace AssumeRole.Extensions.Refresh;

/// <summary>
/// Marks the <see cref="TimeProvider"/> of a deterministic simulation of the engine (never a production clock). Polly
/// draws its retry jitter from a random source nobody can seed, so on such a clock the STS retries back off without
/// jitter (the exponential schedule itself) and a seed replays exactly; the session's own backoff keeps its seeded jitter.
/// </summary>
internal interface IDeterministicClock;
