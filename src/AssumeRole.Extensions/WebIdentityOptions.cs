namespace AssumeRole.Extensions;

/// <summary>
/// Makes the first hop of a chain an <c>sts:AssumeRoleWithWebIdentity</c> call with an OIDC token read from a file (EKS
/// IRSA, GitHub Actions, any OIDC provider). The call is unsigned, so no source credentials are needed; the token file
/// is read again on every refresh, because its issuer rotates it.
/// </summary>
/// <remarks>
/// Every value left <see langword="null"/> falls back, when the provider is constructed, to the variables EKS sets:
/// <c>AWS_ROLE_ARN</c>, <c>AWS_WEB_IDENTITY_TOKEN_FILE</c> and <c>AWS_ROLE_SESSION_NAME</c>. Roles assumed above a web
/// identity session are chained, so STS caps them at 3600 seconds.
/// </remarks>
public class WebIdentityOptions
{
    /// <summary>Gets or sets the ARN of the role the web identity token is exchanged for.</summary>
    /// <value>The default value is <see langword="null"/>: the <c>AWS_ROLE_ARN</c> environment variable.</value>
    public string? RoleArn { get; set; }

    /// <summary>Gets or sets the path of the file holding the OIDC token.</summary>
    /// <value>The default value is <see langword="null"/>: the <c>AWS_WEB_IDENTITY_TOKEN_FILE</c> environment variable.</value>
    public string? WebIdentityTokenFile { get; set; }

    /// <summary>Gets or sets the role session name (2–64 characters from <c>[\w+=,.@-]</c>).</summary>
    /// <value>
    /// The default value is <see langword="null"/>: the <c>AWS_ROLE_SESSION_NAME</c> environment variable, else the same
    /// default as <see cref="AssumeRoleHopOptions.RoleSessionName"/>.
    /// </value>
    public string? RoleSessionName { get; set; }

    /// <summary>Gets or sets the requested session duration in seconds (900–43200).</summary>
    /// <value>The default value is <see langword="null"/>, which lets STS apply its default of 3600 seconds.</value>
    public int? DurationSeconds { get; set; }

    /// <summary>Gets or sets an inline session policy (JSON, at most 2048 characters).</summary>
    /// <value>The default value is <see langword="null"/> (not sent).</value>
    public string? Policy { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"WebIdentityOptions {{ RoleArn = {RoleArn}, WebIdentityTokenFile = {WebIdentityTokenFile} }}";
}
