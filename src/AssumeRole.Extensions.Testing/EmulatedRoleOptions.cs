namespace AssumeRole.Extensions.Testing;

/// <summary>Configures a role added with <see cref="StsEmulator.AddRole(string, Action{EmulatedRoleOptions}?)"/>.</summary>
public class EmulatedRoleOptions
{
    private readonly List<string> _trustedPrincipals = [];

    /// <summary>Gets or sets the role's maximum session duration (1 to 12 hours, whole seconds).</summary>
    /// <value>The default value is one hour.</value>
    public TimeSpan MaxSessionDuration { get; set; } = TimeSpan.FromSeconds(StsDefaults.DefaultDurationSeconds);

    /// <summary>Gets or sets <see cref="MaxSessionDuration"/> in seconds (3600 to 43200).</summary>
    /// <value>The default value is 3600.</value>
    public int MaxSessionDurationSeconds
    {
        get => (int)MaxSessionDuration.TotalSeconds;
        set => MaxSessionDuration = TimeSpan.FromSeconds(value);
    }

    /// <summary>
    /// Gets the principals the role's trust policy allows: user ARNs, role ARNs (meaning sessions of that role), or
    /// account roots (<c>arn:aws:iam::ACCOUNT:root</c>, meaning any principal of that account).
    /// </summary>
    /// <value>The default value is empty, which trusts the role's own account root.</value>
    public IList<string> TrustedPrincipals => _trustedPrincipals;

    /// <summary>
    /// Gets or sets the external ID the trust policy requires (<c>sts:ExternalId</c>); <see langword="null"/> requires none.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? RequiredExternalId { get; set; }

    /// <summary>
    /// Gets or sets a lifetime that replaces the requested duration in issued credentials, so that refresh tests get
    /// short sessions without waiting. Validation of the requested duration still happens as usual.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (credentials live as long as requested).</value>
    public TimeSpan? SessionLifetimeOverride { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether AssumeRoleWithWebIdentity may assume the role (the emulator's stand-in
    /// for a trust policy naming an OIDC provider).
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool TrustWebIdentity { get; set; } = true;

    /// <summary>
    /// Gets or sets a value indicating whether a one-time MFA code may be used more than once when assuming this role.
    /// AWS refuses reuse.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool AllowMfaCodeReuse { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the trust policy also allows <c>sts:TagSession</c>. Without it, as in AWS,
    /// a call that passes session tags is denied, and so is a chained call whose caller carries transitive tags (they
    /// would pass to the new session): <c>User: … is not authorized to perform: sts:TagSession on resource: …</c>.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool AllowSessionTags { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the trust policy also allows <c>sts:SetSourceIdentity</c>. Without it, as
    /// in AWS, a call that sets a source identity is denied, and so is a chained call whose caller has one (it would
    /// pass to the new session): <c>User: … is not authorized to perform: sts:SetSourceIdentity on resource: …</c>.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool AllowSourceIdentity { get; set; }

    /// <summary>Gets a value indicating whether the trust policy requires MFA (<see cref="RequireMfa"/>).</summary>
    public bool RequiresMfa { get; private set; }

    /// <summary>Adds a principal to <see cref="TrustedPrincipals"/>.</summary>
    /// <param name="principalArn">A user ARN, a role ARN or an account root ARN.</param>
    /// <returns>These options.</returns>
    public EmulatedRoleOptions TrustPrincipal(string principalArn)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(principalArn);
        _trustedPrincipals.Add(principalArn);
        return this;
    }

    /// <summary>
    /// Requires MFA (a trust policy condition on <c>aws:MultiFactorAuthPresent</c>): the caller must send the serial
    /// number of <em>its own</em> MFA device (<see cref="EmulatedUser.EnableMfaDevice(string, string[])"/>) with a valid,
    /// unused code, or call with a session that was created with MFA (GetSessionToken with a code).
    /// </summary>
    /// <returns>These options.</returns>
    public EmulatedRoleOptions RequireMfa()
    {
        RequiresMfa = true;
        return this;
    }

    /// <summary>Allows <c>sts:TagSession</c> and <c>sts:SetSourceIdentity</c> besides <c>sts:AssumeRole</c> in the trust policy.</summary>
    /// <returns>These options.</returns>
    public EmulatedRoleOptions AllowTagsAndSourceIdentity()
    {
        AllowSessionTags = true;
        AllowSourceIdentity = true;
        return this;
    }
}
