namespace AssumeRole.Extensions.Testing.Iam;

/// <summary>Temporary credentials the emulator has issued, and what a request signed with them acts as.</summary>
internal sealed class IssuedSession
{
    public required SessionKind Kind { get; init; }

    public required string AccessKeyId { get; init; }

    public required string SecretAccessKey { get; init; }

    public required string SessionToken { get; init; }

    public required DateTimeOffset IssuedAt { get; init; }

    public required DateTimeOffset Expiration { get; init; }

    /// <summary>Gets the ARN GetCallerIdentity reports: the session ARN, or the user ARN for GetSessionToken.</summary>
    public required string Arn { get; init; }

    public required string UserId { get; init; }

    public required string AccountId { get; init; }

    /// <summary>Gets the ARN trust policies match: the role ARN for role sessions, the user ARN otherwise.</summary>
    public required string PrincipalArn { get; init; }

    public IReadOnlyList<KeyValuePair<string, string>> TransitiveTags { get; init; } = [];

    public string? SourceIdentity { get; init; }

    public bool MfaAuthenticated { get; init; }
}
