namespace AssumeRole.Extensions.Sts;

/// <summary>What <c>sts:GetCallerIdentity</c> returned.</summary>
/// <param name="Arn">The caller's ARN.</param>
/// <param name="ServerDate">The HTTP <c>Date</c> of the response (STS's clock), when known.</param>
internal sealed record CallerIdentity(string Arn, DateTimeOffset? ServerDate);
