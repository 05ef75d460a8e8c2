using Microsoft.Extensions.Logging;

namespace AssumeRole.Extensions.Diagnostics;

/// <content>The second-level caches and fleet coordination (ids 33–38; 30–32 are in Log.cs).</content>
internal static partial class Log
{
    [LoggerMessage(33, LogLevel.Warning, "Role {RoleArn} has no identity that means the same principal in every process ({Reason}): its sessions are not shared through the second-level caches.")]
    public static partial void SecondLevelNoStableIdentity(ILogger logger, string roleArn, string reason);

    [LoggerMessage(34, LogLevel.Warning, "The session cache directory {Directory} is not used: {Reason}. Running without the file cache.")]
    public static partial void FileCacheRefused(ILogger logger, string directory, string reason);

    [LoggerMessage(35, LogLevel.Warning, "A session of role {RoleArn} in the {Level} cache was refused: {Reason}.")]
    public static partial void SecondLevelEntryRefused(ILogger logger, string roleArn, string level, string reason);

    [LoggerMessage(36, LogLevel.Warning, "The {Level} session cache failed ({ErrorType}): skipping it for {BreakSeconds:F0} s.")]
    public static partial void SecondLevelCacheCircuitOpened(ILogger logger, string level, double breakSeconds, string? errorType);

    [LoggerMessage(37, LogLevel.Information, "The {Level} session cache answers again.")]
    public static partial void SecondLevelCacheCircuitClosed(ILogger logger, string level);

    [LoggerMessage(38, LogLevel.Debug, "Fleet lease for role {RoleArn}: {Outcome} after {ElapsedMs:F0} ms.")]
    public static partial void FleetLease(ILogger logger, string roleArn, string outcome, double elapsedMs);
}
