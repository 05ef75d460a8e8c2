using Amazon.Runtime;

namespace AssumeRole.Extensions.Refresh;

/// <summary>
/// One set of credentials and its deadlines on the engine's monotonic clock. Immutable: a refresh publishes a new
/// instance with one atomic write, so readers never see a half-updated state.
/// </summary>
internal sealed class SessionState
{
    public SessionState(ImmutableCredentials credentials, long refreshAtMs, long mandatoryAtMs, long expiresAtMs, DateTime expirationUtc, string? assumedRoleArn)
    {
        Credentials = credentials;
        CredentialsTask = Task.FromResult(credentials);
        RefreshAtMs = refreshAtMs;
        MandatoryAtMs = mandatoryAtMs;
        ExpiresAtMs = expiresAtMs;
        ExpirationUtc = expirationUtc;
        AssumedRoleArn = assumedRoleArn;
    }

    public ImmutableCredentials Credentials { get; }

    /// <summary>The completed task handed out by the async warm path, so that it allocates nothing.</summary>
    public Task<ImmutableCredentials> CredentialsTask { get; }

    /// <summary>From here a background refresh is due (advisory window, moved earlier by jitter).</summary>
    public long RefreshAtMs { get; }

    /// <summary>From here these credentials are no longer handed out (mandatory window).</summary>
    public long MandatoryAtMs { get; }

    public long ExpiresAtMs { get; }

    /// <summary>The expiry as a local UTC time, for display and <see cref="AWSCredentials"/>' <c>Expiration</c>.</summary>
    public DateTime ExpirationUtc { get; }

    public string? AssumedRoleArn { get; }

    public override string ToString() => $"SessionState {{ AccessKeyId = {Credentials.AccessKey}, ExpirationUtc = {ExpirationUtc:O} }}";
}
