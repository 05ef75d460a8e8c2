namespace AssumeRole.Extensions.Caching;

/// <summary>
/// A role hop exactly as an AWS CLI profile states it: what botocore sends to AssumeRole for that profile, and so what
/// names its entry in the CLI's cache. A <see langword="null"/> value is a key the profile does not set.
/// </summary>
/// <param name="RoleArn"><c>role_arn</c>.</param>
/// <param name="RoleSessionName"><c>role_session_name</c> (when absent botocore makes up a name and leaves it out of the cache name).</param>
/// <param name="ExternalId"><c>external_id</c>.</param>
/// <param name="MfaSerialNumber"><c>mfa_serial</c>.</param>
/// <param name="DurationSeconds"><c>duration_seconds</c>.</param>
internal sealed record AwsProfileHop(string RoleArn, string? RoleSessionName, string? ExternalId, string? MfaSerialNumber, int? DurationSeconds);
