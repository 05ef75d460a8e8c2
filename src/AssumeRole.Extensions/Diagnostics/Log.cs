using Microsoft.Extensions.Logging;

namespace AssumeRole.Extensions.Diagnostics;

/// <summary>
/// Every log message of the library, with fixed event ids. Role ARNs, session names, STS error codes and request ids
/// are logged; secret keys, session tokens and external IDs never are (none of these methods takes one).
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Assumed role {RoleArn} (hop {Hop}) as {AssumedRoleArn} through STS {StsEndpoint}; lifetime {LifetimeSeconds:F0} s, refresh in {RefreshInSeconds:F0} s, request id {RequestId}.")]
    public static partial void SessionAssumed(ILogger logger, string roleArn, int hop, string? assumedRoleArn, string stsEndpoint, double lifetimeSeconds, double refreshInSeconds, string? requestId);

    [LoggerMessage(2, LogLevel.Debug, "Refresh of role {RoleArn} scheduled in {DueInSeconds:F1} s ({Reason}).")]
    public static partial void RefreshScheduled(ILogger logger, string roleArn, double dueInSeconds, string reason);

    [LoggerMessage(3, LogLevel.Debug, "Refresh of role {RoleArn} started ({Trigger}).")]
    public static partial void RefreshStarted(ILogger logger, string roleArn, string trigger);

    [LoggerMessage(4, LogLevel.Debug, "Refresh of role {RoleArn} succeeded ({Trigger}).")]
    public static partial void RefreshSucceeded(ILogger logger, string roleArn, string trigger);

    [LoggerMessage(5, LogLevel.Warning, "Refresh of role {RoleArn} failed ({Trigger}, attempt {Attempt}): {ErrorCode}, request id {RequestId}; next try in {RetryInSeconds:F1} s; valid credentials remain: {HasValidCredentials}.")]
    public static partial void RefreshFailed(ILogger logger, string roleArn, string trigger, int attempt, string? errorCode, string? requestId, double retryInSeconds, bool hasValidCredentials, Exception exception);

    [LoggerMessage(6, LogLevel.Warning, "Role {RoleArn} (hop {Hop}) asks for {RequestedSeconds} s but is a chained hop, capped by STS at {CappedSeconds} s: clamped.")]
    public static partial void DurationClamped(ILogger logger, string roleArn, int hop, int requestedSeconds, int cappedSeconds);

    [LoggerMessage(7, LogLevel.Warning, "STS refused {RequestedSeconds} s for role {RoleArn}: {Reason}. Retrying at {CappedSeconds} s and remembering this cap for the role.")]
    public static partial void DurationCapLearned(ILogger logger, string roleArn, int requestedSeconds, int cappedSeconds, string reason);

    [LoggerMessage(8, LogLevel.Information, "Source credentials of role {RoleArn} (hop {Hop}) expired (ExpiredToken); refreshing the source once and retrying.")]
    public static partial void SourceExpired(ILogger logger, string roleArn, int hop);

    [LoggerMessage(9, LogLevel.Debug, "STS {Action} for role {RoleArn}: transient {ErrorCode}, retry {Attempt} in {DelayMs:F0} ms.")]
    public static partial void StsRetry(ILogger logger, string action, string roleArn, string? errorCode, int attempt, double delayMs);

    [LoggerMessage(10, LogLevel.Debug, "Session cache evicted the session of role {RoleArn} ({Reason}).")]
    public static partial void SessionEvicted(ILogger logger, string roleArn, string reason);

    [LoggerMessage(11, LogLevel.Warning, "Session of role {RoleArn} lasts only {LifetimeSeconds:F0} s, shorter than the refresh windows; using advisory {AdvisorySeconds:F0} s and mandatory {MandatorySeconds:F0} s.")]
    public static partial void WindowsShrunk(ILogger logger, string roleArn, double lifetimeSeconds, double advisorySeconds, double mandatorySeconds);

    [LoggerMessage(12, LogLevel.Trace, "Session cache ({Level}) hit for role {RoleArn}.")]
    public static partial void CacheHit(ILogger logger, string level, string roleArn);

    [LoggerMessage(13, LogLevel.Debug, "Session cache ({Level}) miss for role {RoleArn}.")]
    public static partial void CacheMiss(ILogger logger, string level, string roleArn);

    [LoggerMessage(15, LogLevel.Error, "AssumeRole options {Registration} are invalid: {Failures}")]
    public static partial void ValidationFailed(ILogger logger, string registration, string failures);

    [LoggerMessage(16, LogLevel.Debug, "STS {Action} for role {RoleArn}: {Outcome} in {DurationMs:F0} ms, error {ErrorCode}, request id {RequestId}.")]
    public static partial void StsCallCompleted(ILogger logger, string action, string? roleArn, string outcome, double durationMs, string? errorCode, string? requestId);

    [LoggerMessage(17, LogLevel.Information, "Refresh of role {RoleArn} backs off after {ConsecutiveFailures} consecutive failures: next attempt in {BackoffSeconds:F1} s.")]
    public static partial void RefreshBackoff(ILogger logger, string roleArn, int consecutiveFailures, double backoffSeconds);

    [LoggerMessage(18, LogLevel.Information, "Refresh of role {RoleArn} recovered after {ConsecutiveFailures} consecutive failures.")]
    public static partial void RefreshRecovered(ILogger logger, string roleArn, int consecutiveFailures);

    [LoggerMessage(19, LogLevel.Information, "The monotonic clock missed {GapSeconds:F1} s against {Reference} (the machine was suspended, the VM paused, or the wall clock stepped forward): cached credentials are checked again and due refreshes start now.")]
    public static partial void ClockJumped(ILogger logger, double gapSeconds, string reference);

    [LoggerMessage(20, LogLevel.Information, "The wall clock stepped back by {StepSeconds:F1} s, undoing the forward step counted as missed time before it: credentials held since before that step get their proactive refresh point back (not their mandatory point).")]
    public static partial void ClockStepUndone(ILogger logger, double stepSeconds);

    [LoggerMessage(30, LogLevel.Debug, "Session of role {RoleArn} found in the {Level} cache.")]
    public static partial void SecondLevelCacheHit(ILogger logger, string roleArn, string level);

    [LoggerMessage(31, LogLevel.Debug, "Session of role {RoleArn} not in the {Level} cache.")]
    public static partial void SecondLevelCacheMiss(ILogger logger, string roleArn, string level);

    [LoggerMessage(32, LogLevel.Warning, "The {Level} session cache failed to {Operation} for role {RoleArn} ({ErrorType}); continuing without it.")]
    public static partial void SecondLevelCacheError(ILogger logger, string roleArn, string level, string operation, string errorType);
}
