using Amazon.Runtime;

namespace AssumeRole.Extensions.Sts;

/// <summary>
/// Wraps a hop's source credentials for the SDK client, so that a source that throws (a user's provider, the SDK's
/// default chain finding nothing, an unreachable instance metadata service) surfaces as an error that names the setting
/// (<c>SourceCredentials</c>) instead of as whatever the source threw from inside the SDK's signer. Only the type of
/// what it threw is shown: a source's message can quote anything, a secret included.
/// </summary>
/// <param name="inner">The source.</param>
/// <param name="setting">The setting the source comes from, as messages name it.</param>
/// <param name="ownSession">
/// True for a previous hop of our own chain, whose failures already name their hop and whose cancellation is ours. A
/// user's source is never given our cancellation token, so a cancellation it throws (an HttpClient timeout inside it)
/// is its own failure, not a cancellation of this call.
/// </param>
internal sealed class SourceCredentialsGuard(AWSCredentials inner, string setting, bool ownSession = false) : AWSCredentials
{
    public AWSCredentials Inner { get; } = inner;

    public override ImmutableCredentials GetCredentials()
    {
        try
        {
            return Inner.GetCredentials() ?? throw Failed(null);
        }
        catch (Exception ex) when (IsSourceFailure(ex))
        {
            throw Failed(ex);
        }
    }

    public override async Task<ImmutableCredentials> GetCredentialsAsync()
    {
        try
        {
            return await Inner.GetCredentialsAsync().ConfigureAwait(false) ?? throw Failed(null);
        }
        catch (Exception ex) when (IsSourceFailure(ex))
        {
            throw Failed(ex);
        }
    }

    public override string ToString() => $"SourceCredentialsGuard {{ {Inner.GetType().Name} }}";

    // Our own providers already name their hop; the cancellation of our own previous hop is ours.
    private bool IsSourceFailure(Exception ex) =>
        ex is not (AssumeRoleException or StsCallException) && !(ownSession && ex is OperationCanceledException);

    private StsCallException Failed(Exception? ex)
    {
        var what = ex switch
        {
            null => "returned no credentials",
            OperationCanceledException => $"threw {ex.GetType().Name} (a cancellation or timeout inside the source, not of this call)",
            _ => $"threw {ex.GetType().Name}",
        };

        // Transient: instance metadata, container endpoints and SSO caches recover; the engine backs off meanwhile.
        return new StsCallException(
            "SourceCredentialsFailed",
            $"The source credentials ({setting}: {Inner.GetType().Name}) {what}",
            null,
            null,
            isTransient: true);
    }
}
