using System.Globalization;

namespace AssumeRole.Extensions.Testing.Protocol;

/// <summary>The error responses STS sends, with AWS's status codes and message texts (see STS.md).</summary>
internal static class StsErrors
{
    public static StsException Validation(string message) => new(400, "ValidationError", message);

    public static StsException InvalidParameterValue(string message) => new(400, "InvalidParameterValue", message);

    public static StsException AccessDenied(string callerArn, string action, string resourceArn) =>
        new(403, "AccessDenied", $"User: {callerArn} is not authorized to perform: sts:{action} on resource: {resourceArn}");

    public static StsException AccessDeniedMessage(string message) => new(403, "AccessDenied", message);

    public static StsException InvalidMfaCode() =>
        new(403, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code. ");

    /// <summary>
    /// A serial number that is not the caller's MFA device, exactly as STS words it (two spaces, trailing space), as
    /// reported in aws/aws-cli#6325.
    /// </summary>
    public static StsException MfaDeviceNotAssociated() =>
        new(403, "AccessDenied", "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.    ");

    /// <summary>A query parameter that cannot be read as its type (an integer that is not one).</summary>
    public static StsException MalformedInput(string parameter, string value) =>
        new(400, "MalformedInput", $"Invalid value '{value}' for parameter {parameter}: not an integer.");

    public static StsException MaxSessionDurationExceeded() =>
        Validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");

    public static StsException ChainedDurationExceeded() =>
        Validation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");

    public static StsException InvalidClientTokenId() =>
        new(403, "InvalidClientTokenId", "The security token included in the request is invalid.");

    public static StsException ExpiredToken() =>
        new(403, "ExpiredToken", "The security token included in the request is expired");

    public static StsException SignatureDoesNotMatch() =>
        new(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");

    public static StsException SignatureDoesNotMatch(string message) => new(403, "SignatureDoesNotMatch", message);

    public static StsException MissingAuthenticationToken() =>
        new(403, "MissingAuthenticationToken", "Request is missing Authentication Token");

    public static StsException IncompleteSignature(string message) => new(400, "IncompleteSignature", message);

    /// <summary>
    /// An unknown action, or a known one with a missing or wrong <c>Version</c>: STS looks operations up by action and
    /// version (<c>Could not find operation AssumeRoleWithWebIdentity for version 2011-06-15</c>, aws/session-manager-plugin#116).
    /// </summary>
    public static StsException InvalidAction(string? action, string? version = StsDefaults.ApiVersion) =>
        new(400, "InvalidAction", string.Create(CultureInfo.InvariantCulture, $"Could not find operation {action} for version {version ?? "NO_VERSION_SPECIFIED"}"));

    public static StsException MalformedPolicyDocument(string message) => new(400, "MalformedPolicyDocument", message);

    public static StsException Throttling() => new(400, "Throttling", "Rate exceeded");

    public static StsException InternalFailure() =>
        new(500, "InternalFailure", "The request processing has failed because of an unknown error, exception or failure.");
}
