using Amazon.Runtime;
using AssumeRole.Extensions.Validation;

namespace AssumeRole.Extensions.Sts;

/// <summary>
/// Wraps a hop's source credentials for the SDK client, so that a source that throws (a user's provider, the SDK's
/// default chain finding nothing, an unreachable instance metadata service) surfaces as an error that names the setting
/// (<c>SourceCredentials</c>) instead of as whatever the source threw from inside the SDK's signer.
/// </summary>
internal sealed class SourceCredentialsGuard(AWSCredentials inner, string setting) : AWSCredentials
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

    // Our own providers already name their hop; cancellation is not a failure of the source.
    private static bool IsSourceFailure(Exception ex) => ex is not (AssumeRoleException or OperationCanceledException or StsCallException);

    private StsCallException Failed(Exception? ex)
    {
        var what = ex is null
            ? "returned no credentials"
            : $"threw {ex.GetType().Name}: {SafeText.Escape(ex.Message, 200)}";

        // Transient: instance metadata, container endpoints and SSO caches recover; the engine backs off meanwhile.
        return new StsCallException(
            "SourceCredentialsFailed",
            $"The source credentials ({setting}: {Inner.GetType().Name}) {what}",
            null,
            null,
            isTransient: true);
    }
}
