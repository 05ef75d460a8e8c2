namespace AssumeRole.Extensions.Testing.Iam;

/// <summary>The principal a verified request acts as: a user's long-term key or an issued session.</summary>
internal sealed record Caller(string Arn, string UserId, string AccountId, string AccessKeyId, EmulatedUser? User, IssuedSession? Session)
{
    /// <summary>Gets the ARN trust policies match against.</summary>
    public string PrincipalArn => Session?.PrincipalArn ?? Arn;

    /// <summary>
    /// Gets a value indicating whether assuming a role from this caller is role chaining: every set of temporary
    /// credentials the emulator issues (AssumeRole, AssumeRoleWithWebIdentity, GetSessionToken) counts.
    /// </summary>
    public bool IsChained => Session is not null;

    public static Caller ForUser(EmulatedUser user) => new(user.Arn, user.UserId, user.AccountId, user.AccessKeyId, user, null);

    public static Caller ForSession(IssuedSession session) =>
        new(session.Arn, session.UserId, session.AccountId, session.AccessKeyId, null, session);
}
