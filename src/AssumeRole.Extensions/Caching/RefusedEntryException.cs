namespace AssumeRole.Extensions.Caching;

/// <summary>A second-level cache entry that is present but may not be used; <see cref="Reason"/> never quotes its content.</summary>
internal sealed class RefusedEntryException(string reason) : Exception($"The cached session was refused: {reason}.")
{
    public string Reason { get; } = reason;
}
