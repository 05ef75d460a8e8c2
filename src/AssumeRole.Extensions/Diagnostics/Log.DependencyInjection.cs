using Microsoft.Extensions.Logging;

namespace AssumeRole.Extensions.Diagnostics;

/// <summary>Log messages of the DI integration and the multi-tenant factory (event ids 40–49).</summary>
internal static partial class Log
{
    [LoggerMessage(40, LogLevel.Information, "Role '{Name}' reconfigured: now {RoleArn} ({HopCount} hops). New calls use the new settings.")]
    public static partial void RoleReconfigured(ILogger logger, string name, string roleArn, int hopCount);

    [LoggerMessage(41, LogLevel.Warning, "Reloaded settings of role '{Name}' were rejected; the previous settings stay in use. {Reason}")]
    public static partial void RoleReloadRejected(ILogger logger, string name, string reason);

    [LoggerMessage(42, LogLevel.Information, "Warmed up {Count} AssumeRole role(s) at start-up in {ElapsedMs:F0} ms.")]
    public static partial void WarmedUp(ILogger logger, int count, double elapsedMs);

    [LoggerMessage(43, LogLevel.Debug, "Tenant provider for role {RoleArn} evicted ({Reason}).")]
    public static partial void TenantEvicted(ILogger logger, string roleArn, string reason);

    [LoggerMessage(44, LogLevel.Warning, "STS call for tenant role {RoleArn} rejected by the rate limiter: queue full ({QueueLimit}).")]
    public static partial void TenantRateLimited(ILogger logger, string roleArn, int queueLimit);
}
