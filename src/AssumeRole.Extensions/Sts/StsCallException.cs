using System.Net;

namespace AssumeRole.Extensions.Sts;

/// <summary>
/// A failed STS call, already classified. Raised by <see cref="IStsGateway"/> implementations; the fetcher turns it
/// into the public <see cref="AssumeRoleException"/> with the role and hop, after redacting secrets.
/// </summary>
internal sealed class StsCallException : Exception
{
    public StsCallException(string? errorCode, string message, HttpStatusCode? statusCode, string? requestId, bool isTransient, Exception? inner = null)
        : base(message, inner)
    {
        // Every STS error passes here: the code and request id are kept only in STS's shapes (see StsResponseFields).
        ErrorCode = StsResponseFields.ErrorCode(errorCode);
        StatusCode = statusCode;
        RequestId = StsResponseFields.RequestId(requestId);
        IsTransient = isTransient;
    }

    public string? ErrorCode { get; }

    public HttpStatusCode? StatusCode { get; }

    public string? RequestId { get; }

    public bool IsTransient { get; }

    /// <summary>Error codes worth retrying: STS or the network had a bad moment, the request itself is fine.</summary>
    public static bool IsTransientCode(string? code) => code is
        "Throttling" or "ThrottlingException" or "RequestLimitExceeded" or "TooManyRequestsException"
        or "InternalFailure" or "InternalError" or "ServiceUnavailable" or "RequestTimeout" or "RequestTimeoutException"
        or "IDPCommunicationError" or "IDPCommunicationErrorException";

    /// <summary>The source credentials STS was called with have expired (not the web identity token).</summary>
    public bool IsSourceExpired => ErrorCode is "ExpiredToken";

    /// <summary>STS says the duration exceeds the role's MaxSessionDuration.</summary>
    public bool IsMaxSessionDurationExceeded =>
        ErrorCode is "ValidationError" && Message.Contains("MaxSessionDuration", StringComparison.Ordinal);

    /// <summary>STS says the duration exceeds the 1-hour cap of a chained session.</summary>
    public bool IsChainingLimitExceeded =>
        ErrorCode is "ValidationError" && Message.Contains("role chaining", StringComparison.Ordinal);
}
