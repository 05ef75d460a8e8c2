using AssumeRole.Extensions.Sts;

namespace AssumeRole.Extensions.Caching;

/// <summary>A cache of sessions beyond the process: a file on a developer machine, or a distributed cache for a fleet.</summary>
internal interface ISecondLevelCache
{
    /// <summary>The level's name in logs and metrics: <c>file</c> or <c>distributed</c>.</summary>
    string Level { get; }

    Task<StsCredentials?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Stores a session for <paramref name="timeToLive"/> from now.</summary>
    /// <remarks>
    /// The lifetime is relative, not an absolute time on our clock: the cache (a Redis server, a
    /// <c>MemoryDistributedCache</c> on the real clock) reads its own clock, and an absolute time means the same thing
    /// on both only when the two clocks agree.
    /// </remarks>
    Task SetAsync(string key, StsCredentials credentials, TimeSpan timeToLive, CancellationToken cancellationToken);
}
