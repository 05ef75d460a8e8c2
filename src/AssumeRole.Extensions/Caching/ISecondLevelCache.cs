using AssumeRole.Extensions.Sts;

namespace AssumeRole.Extensions.Caching;

/// <summary>A cache of sessions beyond the process: a file on a developer machine, or a distributed cache for a fleet.</summary>
internal interface ISecondLevelCache
{
    /// <summary>The level's name in logs and metrics: <c>file</c> or <c>distributed</c>.</summary>
    string Level { get; }

    Task<StsCredentials?> GetAsync(string key, CancellationToken cancellationToken);

    Task SetAsync(string key, StsCredentials credentials, DateTimeOffset absoluteExpiration, CancellationToken cancellationToken);
}
