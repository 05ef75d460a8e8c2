namespace AssumeRole.Extensions.Testing;

/// <summary>One request the <see cref="StsEmulator"/> received, as recorded in <see cref="StsEmulator.Calls"/>.</summary>
public sealed class StsCallRecord
{
    /// <summary>The <see cref="Outcome"/> of a call that succeeded.</summary>
    public const string SuccessOutcome = "Success";

    /// <summary>Gets the STS action, e.g. <c>AssumeRole</c>; empty when the request named none.</summary>
    public required string Action { get; init; }

    /// <summary>Gets the requested role ARN, if the action takes one.</summary>
    public string? RoleArn { get; init; }

    /// <summary>Gets the requested role session name.</summary>
    public string? RoleSessionName { get; init; }

    /// <summary>Gets the requested <c>DurationSeconds</c>, or <see langword="null"/> when the request omitted it.</summary>
    public int? DurationSeconds { get; init; }

    /// <summary>Gets the ARN of the authenticated caller; <see langword="null"/> when unsigned or not authenticated.</summary>
    public string? CallerArn { get; init; }

    /// <summary>Gets the access key id the request was signed with, when it carried one.</summary>
    public string? CallerAccessKeyId { get; init; }

    /// <summary>Gets the requested external ID.</summary>
    public string? ExternalId { get; init; }

    /// <summary>Gets the MFA serial number sent with the request.</summary>
    public string? SerialNumber { get; init; }

    /// <summary>Gets the requested session tags, in request order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Tags { get; init; } = [];

    /// <summary>Gets the requested transitive tag keys.</summary>
    public IReadOnlyList<string> TransitiveTagKeys { get; init; } = [];

    /// <summary>Gets the requested managed session policy ARNs.</summary>
    public IReadOnlyList<string> PolicyArns { get; init; } = [];

    /// <summary>Gets the provider ARNs of the trusted contexts sent (<c>ProvidedContexts</c>); the assertions are not kept.</summary>
    public IReadOnlyList<string> ProvidedContextProviderArns { get; init; } = [];

    /// <summary>Gets the inline session policy sent with the request.</summary>
    public string? Policy { get; init; }

    /// <summary>Gets the requested source identity.</summary>
    public string? SourceIdentity { get; init; }

    /// <summary>Gets a value indicating whether the caller used temporary credentials, making an AssumeRole call role chaining.</summary>
    public bool IsChained { get; init; }

    /// <summary>Gets <see cref="SuccessOutcome"/>, the STS error code, or the injected fault (<c>ConnectionReset</c>, <c>MalformedBody</c>).</summary>
    public required string Outcome { get; init; }

    /// <summary>Gets the error message, when the call failed with an STS error.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>Gets the HTTP status sent, or 0 when the connection was reset.</summary>
    public int StatusCode { get; init; }

    /// <summary>Gets the request id sent in <c>x-amzn-RequestId</c>.</summary>
    public required string RequestId { get; init; }

    /// <summary>Gets the time the request arrived, on the emulator clock.</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>Gets the access key id of the credentials issued, when the call succeeded and issued any.</summary>
    public string? IssuedAccessKeyId { get; init; }

    /// <summary>Gets the expiration of the credentials issued.</summary>
    public DateTimeOffset? IssuedExpiration { get; init; }

    /// <summary>Gets a value indicating whether the call succeeded.</summary>
    public bool Succeeded => Outcome == SuccessOutcome;

    /// <summary>Describes the call without credentials.</summary>
    /// <returns>A one-line summary.</returns>
    public override string ToString() =>
        $"{Action} {RoleArn} session={RoleSessionName} duration={DurationSeconds} chained={IsChained} -> {Outcome}";
}
