namespace AssumeRole.Extensions.Testing.Calls;

/// <summary>Collects what is known about a request while it is processed, then becomes an <see cref="StsCallRecord"/>.</summary>
internal sealed class CallRecordBuilder
{
    public CallRecordBuilder(string requestId, DateTimeOffset timestamp)
    {
        RequestId = requestId;
        Timestamp = timestamp;
    }

    public string RequestId { get; }

    public DateTimeOffset Timestamp { get; }

    public string Action { get; set; } = string.Empty;

    public string? RoleArn { get; set; }

    public string? RoleSessionName { get; set; }

    public int? DurationSeconds { get; set; }

    public string? CallerArn { get; set; }

    public string? CallerAccessKeyId { get; set; }

    public string? ExternalId { get; set; }

    public string? SerialNumber { get; set; }

    public IReadOnlyList<KeyValuePair<string, string>> Tags { get; set; } = [];

    public IReadOnlyList<string> TransitiveTagKeys { get; set; } = [];

    public IReadOnlyList<string> PolicyArns { get; set; } = [];

    public IReadOnlyList<string> ProvidedContextProviderArns { get; set; } = [];

    public string? Policy { get; set; }

    public string? SourceIdentity { get; set; }

    public bool IsChained { get; set; }

    public string? IssuedAccessKeyId { get; set; }

    public DateTimeOffset? IssuedExpiration { get; set; }

    public StsCallRecord Build(string outcome, int statusCode, string? errorMessage) => new()
    {
        Action = Action,
        RoleArn = RoleArn,
        RoleSessionName = RoleSessionName,
        DurationSeconds = DurationSeconds,
        CallerArn = CallerArn,
        CallerAccessKeyId = CallerAccessKeyId,
        ExternalId = ExternalId,
        SerialNumber = SerialNumber,
        Tags = Tags,
        TransitiveTagKeys = TransitiveTagKeys,
        PolicyArns = PolicyArns,
        ProvidedContextProviderArns = ProvidedContextProviderArns,
        Policy = Policy,
        SourceIdentity = SourceIdentity,
        IsChained = IsChained,
        Outcome = outcome,
        StatusCode = statusCode,
        ErrorMessage = errorMessage,
        RequestId = RequestId,
        Timestamp = Timestamp,
        IssuedAccessKeyId = IssuedAccessKeyId,
        IssuedExpiration = IssuedExpiration,
    };
}
