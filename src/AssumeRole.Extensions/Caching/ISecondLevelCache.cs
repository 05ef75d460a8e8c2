using AssumeRole.Extensions.Sts;

namespace AssumeRole.Extensions.Caching;

/// <summary>A cache of sessions beyond the process: a file on a developer machine, or a distributed cache for a fleet.</summary>
/// <remarks>
/// Reads and writes are bounded by a <see cref="SecondLevelGuard"/> (timeout, circuit breaker); writes run in the
/// background. Nothing a level returns is trusted yet: <see cref="CachedSessionFetcher"/> checks every entry.
/// </remarks>
internal interface ISecondLevelCache
{
    /// <summary>The level's name in logs and metrics: <c>file</c> or <c>distributed</c>.</summary>
    string Level { get; }

    /// <summary>
    /// The name under which this level keeps the session whose cross-process key is <paramref name="key"/>, or
    /// <see langword="null"/> when the level cannot name it (no key, and the level has no name of its own for it).
    /// </summary>
    string? NameOf(string? key);

    /// <summary>Reads an entry; <see langword="null"/> when there is none.</summary>
    /// <exception cref="RefusedEntryException">An entry is there but may not be used (it cannot be opened, or is not a session).</exception>
    Task<StsCredentials?> ReadAsync(string name, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a session in the background for <paramref name="timeToLive"/> from when the write happens. The returned
    /// task never faults: failures go to <paramref name="onFailure"/>.
    /// </summary>
    /// <remarks>
    /// The lifetime is relative, not an absolute time on our clock: the cache (a Redis server, a
    /// <c>MemoryDistributedCache</c> on the real clock) reads its own clock, and an absolute time means the same thing
    /// on both only when the two clocks agree.
    /// </remarks>
    Task WriteInBackground(string name, StsCredentials credentials, DateTimeOffset issuedAt, Func<TimeSpan> timeToLive, Action<Exception> onFailure);
}
