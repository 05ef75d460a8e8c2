using AssumeRole.Extensions.Sts;

namespace AssumeRole.Extensions.Caching;

/// <summary>What a hop's second-level caching needs besides the caches themselves.</summary>
/// <param name="Check">What an entry read back must be.</param>
/// <param name="Clock">STS's clock as this process knows it.</param>
/// <param name="Endpoint">The hop's STS endpoint (whose clock entries are laid on).</param>
/// <param name="ProbeSigner">Whom <paramref name="ClockProbe"/> signs as (probes of one signer are shared).</param>
/// <param name="ClockProbe">Asks STS its time (GetCallerIdentity) when no response from the endpoint was seen yet.</param>
/// <param name="Coordinator">Fleet coordination, or <see langword="null"/>.</param>
/// <param name="CoordinatorGuard">Timeout and circuit breaker of the coordinator's calls.</param>
/// <param name="TimeProvider">The engine's clock, which bounds the waits for a lease holder.</param>
/// <param name="ShareAcrossSourceSessions">
/// Key a source known by its caller ARN by its role, not its session (<see cref="AssumeRoleOptions.ShareSessionsAcrossSourceSessions"/>).
/// </param>
internal sealed record SecondLevelSettings(
    SessionEntryCheck Check,
    StsClock Clock,
    StsEndpoint Endpoint,
    object ProbeSigner,
    Func<CancellationToken, Task<CallerIdentity>> ClockProbe,
    IFleetCoordinator? Coordinator,
    SecondLevelGuard? CoordinatorGuard,
    TimeProvider TimeProvider,
    bool ShareAcrossSourceSessions = false);
