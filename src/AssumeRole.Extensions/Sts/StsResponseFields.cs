using System.Text.RegularExpressions;

namespace AssumeRole.Extensions.Sts;

/// <summary>
/// The identifiers an STS response carries — error code, request id, session ARN — come from whatever answered at the
/// endpoint (a proxy behind <c>ServiceUrl</c>, plain http, a broken middlebox) and end up in exception messages, log
/// properties, metric tags and health-check data. They are kept only in STS's own shapes; anything else is replaced by
/// a fixed code or dropped, so a hostile answer can neither forge a log line nor carry a secret nor blow up the
/// cardinality of a metric.
/// </summary>
internal static partial class StsResponseFields
{
    /// <summary>What an error code that is not shaped like one of STS's becomes.</summary>
    public const string UnrecognizedErrorCode = "UnrecognizedErrorCode";

    /// <summary>
    /// The code when it is shaped like an AWS query-protocol error code (a letter, then at most 63 ASCII letters, digits
    /// or dots: <c>AccessDenied</c>, <c>OutboundWebIdentityFederationDisabledException</c>, the longest STS has, is
    /// 46), else <see cref="UnrecognizedErrorCode"/>; <see langword="null"/> stays <see langword="null"/>.
    /// </summary>
    public static string? ErrorCode(string? code) =>
        code is null ? null : ErrorCodePattern().IsMatch(code) ? code : UnrecognizedErrorCode;

    /// <summary>The request id when it is 1–64 ASCII letters, digits and hyphens (STS's are UUIDs), else <see langword="null"/>.</summary>
    public static string? RequestId(string? requestId) =>
        requestId is not null && RequestIdPattern().IsMatch(requestId) ? requestId : null;

    /// <summary>The session ARN when it is an ARN of printable ASCII without spaces (at most 2048 characters), else <see langword="null"/>.</summary>
    public static string? SessionArn(string? arn) =>
        arn is not null && SessionArnPattern().IsMatch(arn) ? arn : null;

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9.]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ErrorCodePattern();

    [GeneratedRegex(@"^[A-Za-z0-9-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex RequestIdPattern();

    [GeneratedRegex(@"^arn:[\x21-\x7E]{1,2044}\z", RegexOptions.CultureInvariant)]
    private static partial Regex SessionArnPattern();
}
