using AssumeRole.Extensions.Testing.Iam;

namespace AssumeRole.Extensions.Testing;

/// <summary>An IAM role known to the <see cref="StsEmulator"/>. Immutable: add the role again to change it.</summary>
public sealed class EmulatedRole
{
    internal EmulatedRole(RoleArn arn, string roleId, EmulatedRoleOptions options)
    {
        Arn = arn.Value;
        AccountId = arn.AccountId;
        Path = arn.Path;
        RoleName = arn.Name;
        RoleId = roleId;
        MaxSessionDuration = options.MaxSessionDuration;
        TrustedPrincipals = options.TrustedPrincipals.Count == 0
            ? [$"arn:aws:iam::{arn.AccountId}:root"]
            : [.. options.TrustedPrincipals];
        RequiredExternalId = options.RequiredExternalId;
        SessionLifetimeOverride = options.SessionLifetimeOverride;
        TrustWebIdentity = options.TrustWebIdentity;
        RequiresMfa = options.RequiresMfa;
        AllowMfaCodeReuse = options.AllowMfaCodeReuse;
        AllowSessionTags = options.AllowSessionTags;
        AllowSourceIdentity = options.AllowSourceIdentity;
    }

    /// <summary>Gets the role ARN, including its path.</summary>
    public string Arn { get; }

    /// <summary>Gets the 12-digit account that owns the role.</summary>
    public string AccountId { get; }

    /// <summary>Gets the role path, <c>/</c> when the ARN has none.</summary>
    public string Path { get; }

    /// <summary>Gets the role name (the last segment of the ARN).</summary>
    public string RoleName { get; }

    /// <summary>Gets the unique role id (<c>AROA…</c>), the first half of every session's <c>AssumedRoleId</c>.</summary>
    public string RoleId { get; }

    /// <summary>Gets the role's maximum session duration.</summary>
    public TimeSpan MaxSessionDuration { get; }

    /// <summary>Gets the principals the role trusts.</summary>
    public IReadOnlyList<string> TrustedPrincipals { get; }

    /// <summary>Gets the external ID the role requires, if any.</summary>
    public string? RequiredExternalId { get; }

    /// <summary>Gets the lifetime that replaces the requested duration in issued credentials, if any.</summary>
    public TimeSpan? SessionLifetimeOverride { get; }

    /// <summary>Gets a value indicating whether AssumeRoleWithWebIdentity may assume the role.</summary>
    public bool TrustWebIdentity { get; }

    /// <summary>Gets a value indicating whether assuming the role requires MFA.</summary>
    public bool RequiresMfa { get; }

    /// <summary>Gets a value indicating whether the trust policy allows <c>sts:TagSession</c>.</summary>
    public bool AllowSessionTags { get; }

    /// <summary>Gets a value indicating whether the trust policy allows <c>sts:SetSourceIdentity</c>.</summary>
    public bool AllowSourceIdentity { get; }

    internal bool AllowMfaCodeReuse { get; }

    /// <summary>Returns the role ARN.</summary>
    /// <returns>The role ARN.</returns>
    public override string ToString() => Arn;
}
