namespace AssumeRole.Extensions.Testing.Iam;

/// <summary>The STS action that issued a set of temporary credentials.</summary>
internal enum SessionKind
{
    AssumedRole,
    WebIdentity,
    SessionToken,
}
