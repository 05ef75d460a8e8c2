namespace AssumeRole.Extensions.Testing.Faults;

/// <summary>What an injected fault does to a matching call.</summary>
internal enum StsFaultKind
{
    Error,
    Latency,
    ConnectionReset,
    MalformedBody,
}
