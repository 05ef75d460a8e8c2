using Amazon.Runtime;

namespace AssumeRole.Extensions.Caching;

/// <summary>
/// Where <see cref="AssumeRoleOptions.FromProfile"/> said a profile's chain starts (the objects it set). The CLI's cache
/// names do not include the source, so they are used only while the options still start there: a source replaced
/// after <c>FromProfile</c> (another user's keys, another first hop) falls back to principal-keyed names.
/// </summary>
/// <param name="Credentials"><see cref="AssumeRoleOptions.SourceCredentials"/> as set.</param>
/// <param name="WebIdentity"><see cref="AssumeRoleOptions.WebIdentity"/> as set.</param>
/// <param name="SessionToken"><see cref="AssumeRoleOptions.SessionToken"/> as set.</param>
internal sealed record AwsProfileSource(AWSCredentials? Credentials, WebIdentityOptions? WebIdentity, SessionTokenOptions? SessionToken)
{
    /// <summary>Whether <paramref name="options"/> still start where the profile said (the same objects).</summary>
    public bool StillStarts(AssumeRoleOptions options) =>
        ReferenceEquals(Credentials, options.SourceCredentials)
        && ReferenceEquals(WebIdentity, options.WebIdentity)
        && ReferenceEquals(SessionToken, options.SessionToken);
}
