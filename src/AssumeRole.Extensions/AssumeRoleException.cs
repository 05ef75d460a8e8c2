using System.Net;
using Amazon.Runtime;

namespace AssumeRole.Extensions;

/// <summary>
/// Thrown when a role cannot be assumed: names the role, the hop of the chain, the STS error code and request id.
/// It never carries a secret key, session token or external ID.
/// </summary>
/// <remarks>Derives from <see cref="AmazonClientException"/> so that existing AWS SDK error handling still catches it.</remarks>
public sealed class AssumeRoleException : AmazonClientException
{
    /// <summary>Initializes a new instance of the <see cref="AssumeRoleException"/> class.</summary>
    /// <param name="message">The message.</param>
    public AssumeRoleException(string message)
        : base(message)
    {
        RoleArn = string.Empty;
    }

    /// <summary>Initializes a new instance of the <see cref="AssumeRoleException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public AssumeRoleException(string message, Exception? innerException)
        : base(message, innerException)
    {
        RoleArn = string.Empty;
    }

    internal AssumeRoleException(
        string roleArn,
        int hop,
        int hopCount,
        string? errorCode,
        string? requestId,
        HttpStatusCode? statusCode,
        bool isTransient,
        string detail,
        Exception? innerException)
        : base(FormatMessage(roleArn, hop, hopCount, errorCode, requestId, statusCode, detail), innerException)
    {
        RoleArn = roleArn;
        Hop = hop;
        HopCount = hopCount;
        ErrorCode = errorCode;
        RequestId = requestId;
        StatusCode = statusCode;
        IsTransient = isTransient;
    }

    /// <summary>Gets the ARN of the role that could not be assumed.</summary>
    public string RoleArn { get; }

    /// <summary>Gets the 1-based position of the failing hop in its chain (1 for a single role).</summary>
    public int Hop { get; }

    /// <summary>Gets the number of hops in the chain.</summary>
    public int HopCount { get; }

    /// <summary>Gets the STS error code (for example <c>AccessDenied</c>), or a client-side code such as <c>RequestTimeout</c>.</summary>
    public string? ErrorCode { get; }

    /// <summary>Gets the STS request id, when STS answered.</summary>
    public string? RequestId { get; }

    /// <summary>Gets the HTTP status STS answered with, when it answered.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>Gets a value indicating whether the failure is transient (throttling, 5xx, timeout, connection) and worth retrying later.</summary>
    public bool IsTransient { get; }

    private static string FormatMessage(
        string roleArn, int hop, int hopCount, string? errorCode, string? requestId, HttpStatusCode? statusCode, string detail)
    {
        var where = hopCount > 1 ? $" (hop {hop} of {hopCount})" : string.Empty;
        var status = statusCode is { } s ? $", HTTP {(int)s}" : string.Empty;
        var id = requestId is null ? string.Empty : $", request id {requestId}";
        return $"Assuming role '{roleArn}'{where} failed: {errorCode ?? "error"}{status}{id}: {detail}";
    }
}
