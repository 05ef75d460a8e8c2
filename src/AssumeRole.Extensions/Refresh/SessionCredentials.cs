using Amazon.Runtime;

namespace AssumeRole.Extensions.Refresh;

/// <summary>
/// A session seen as SDK credentials: the source of the next hop's STS client in a chain. Asking it for credentials
/// goes through the session's engine, so a hop's source is refreshed before the hop needs it (the refresh cascade).
/// </summary>
internal sealed class SessionCredentials : AWSCredentials
{
    public SessionCredentials(RefreshingSession session) => Session = session;

    public RefreshingSession Session { get; }

    public override ImmutableCredentials GetCredentials() => Session.GetCredentials();

    public override Task<ImmutableCredentials> GetCredentialsAsync() => Session.GetCredentialsAsync(CancellationToken.None);

    public override string ToString() => $"SessionCredentials {{ RoleArn = {Session.RoleArn} }}";
}
