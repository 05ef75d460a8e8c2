using Amazon.Runtime;

namespace AssumeRole.Extensions.Sts;

/// <summary>What one successful STS call returned.</summary>
/// <param name="Credentials">The temporary credentials.</param>
/// <param name="ExpirationUtc">The expiry STS reported, on the server's clock.</param>
/// <param name="ServerDate">The HTTP <c>Date</c> of the response, when known: the server's "now", against which the lifetime is measured.</param>
/// <param name="AssumedRoleArn">The session ARN (<c>arn:aws:sts::ACCT:assumed-role/ROLE/SESSION</c>), when returned.</param>
/// <param name="RequestId">The STS request id.</param>
internal sealed record StsCredentials(
    ImmutableCredentials Credentials,
    DateTime ExpirationUtc,
    DateTimeOffset? ServerDate,
    string? AssumedRoleArn,
    string? RequestId)
{
    /// <summary>
    /// Gets the issue time, on STS's clock, of a session read back from a second-level cache (the <c>Date</c> of the
    /// response that created it); <see langword="null"/> for a session STS just returned, whose
    /// <see cref="ServerDate"/> is its issue time. For a cached copy <see cref="ServerDate"/> is STS's "now" as the
    /// reader estimates it, so the engine lays the time that is left (Expiration − ServerDate) and derives its refresh
    /// windows from the whole lifetime (Expiration − IssuedAt), as the process that fetched it did.
    /// </summary>
    public DateTimeOffset? IssuedAt { get; init; }
    private readonly string? _assumedRoleArn = StsResponseFields.SessionArn(AssumedRoleArn);
    private readonly string? _requestId = StsResponseFields.RequestId(RequestId);

    /// <summary>Gets the session ARN, when returned in the shape of an ARN (anything else from the endpoint is dropped).</summary>
    public string? AssumedRoleArn { get => _assumedRoleArn; init => _assumedRoleArn = StsResponseFields.SessionArn(value); }

    /// <summary>Gets the STS request id, when returned in STS's shape (anything else from the endpoint is dropped).</summary>
    public string? RequestId { get => _requestId; init => _requestId = StsResponseFields.RequestId(value); }

    /// <inheritdoc />
    public override string ToString() =>
        $"StsCredentials {{ AccessKeyId = {Credentials.AccessKey}, ExpirationUtc = {ExpirationUtc:O}, AssumedRoleArn = {AssumedRoleArn}, RequestId = {RequestId} }}";
}
