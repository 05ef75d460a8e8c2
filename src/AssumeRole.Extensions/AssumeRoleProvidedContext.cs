namespace AssumeRole.Extensions;

/// <summary>
/// A trusted context for trusted identity propagation (<c>ProvidedContexts</c> of <c>sts:AssumeRole</c>): the ARN of
/// the context provider and the signed assertion it issued.
/// </summary>
/// <remarks>
/// The assertion is a credential: it never appears in logs, exception messages or <see cref="ToString"/>. STS accepts
/// 1–5 contexts per call; the only provider today is <c>arn:aws:iam::aws:contextProvider/IdentityCenter</c>.
/// </remarks>
public class AssumeRoleProvidedContext
{
    /// <summary>Gets or sets the ARN of the context provider (20–2048 characters).</summary>
    /// <value>The default value is <see langword="null"/>; a value is required.</value>
    public string? ProviderArn { get; set; }

    /// <summary>Gets or sets the signed, encrypted context assertion the provider issued (4–2048 characters).</summary>
    /// <value>The default value is <see langword="null"/>; a value is required.</value>
    public string? ContextAssertion { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"AssumeRoleProvidedContext {{ ProviderArn = {ProviderArn} }}";
}
