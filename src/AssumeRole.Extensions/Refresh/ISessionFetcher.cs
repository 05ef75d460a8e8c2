using AssumeRole.Extensions.Sts;

namespace AssumeRole.Extensions.Refresh;

/// <summary>Obtains a new session from STS. The engine knows nothing else about STS.</summary>
internal interface ISessionFetcher : IDisposable
{
    /// <summary>The role this fetcher assumes, for logs and errors.</summary>
    string RoleArn { get; }

    /// <summary>Where this fetcher's STS calls go (region, or explicit URL and signing region), for logs.</summary>
    string Endpoint { get; }

    /// <summary>Makes one refresh attempt (with its own transient retries). Throws <see cref="AssumeRoleException"/> on failure.</summary>
    Task<StsCredentials> FetchAsync(CancellationToken cancellationToken);
}
