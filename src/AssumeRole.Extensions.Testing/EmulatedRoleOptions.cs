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
    /// Gets or sets a value indicating whether a one-time MFA code may be used more than once. AWS refuses reuse.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool AllowMfaCodeReuse { get; set; }

    internal Func<string, string, bool>? MfaCheck { get; private set; }

    internal string? MfaSerialNumber { get; private set; }

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
    /// Requires MFA (<c>aws:MultiFactorAuthPresent</c>): the call must carry <paramref name="serialNumber"/> and one of
    /// <paramref name="acceptedCodes"/>, or come from a session that was created with MFA.
    /// </summary>
    /// <param name="serialNumber">The MFA device serial the caller must send.</param>
    /// <param name="acceptedCodes">Six-digit codes the device accepts.</param>
    /// <returns>These options.</returns>
    public EmulatedRoleOptions RequireMfa(string serialNumber, params string[] acceptedCodes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serialNumber);
        ArgumentNullException.ThrowIfNull(acceptedCodes);
        var codes = new HashSet<string>(acceptedCodes, StringComparer.Ordinal);
        MfaSerialNumber = serialNumber;
        MfaCheck = (serial, code) => string.Equals(serial, serialNumber, StringComparison.Ordinal) && codes.Contains(code);
        return this;
    }

    /// <summary>Requires MFA, checking the sent serial number and code with <paramref name="isValid"/>.</summary>
    /// <param name="isValid">Receives the serial number and the token code; returns <see langword="true"/> to accept.</param>
    /// <returns>These options.</returns>
    public EmulatedRoleOptions RequireMfa(Func<string, string, bool> isValid)
    {
        ArgumentNullException.ThrowIfNull(isValid);
        MfaSerialNumber = null;
        MfaCheck = isValid;
        return this;
    }
}
