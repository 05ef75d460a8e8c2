namespace AssumeRole.Extensions;

/// <summary>Every default of the library in one place, so that the docs and the code cannot drift apart.</summary>
internal static class AssumeRoleDefaults
{
    public const int StsDefaultDurationSeconds = 3600;
    public const int MaxChainDepth = 10;

    public static readonly TimeSpan MandatoryRefreshWindow = TimeSpan.FromMinutes(1);

    /// <summary>Largest share of the advisory window by which jitter moves a refresh earlier.</summary>
    public const double MaxJitterShare = 0.2;

    public static readonly TimeSpan BackoffBase = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan BackoffMax = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan BackoffFloor = TimeSpan.FromSeconds(1);

    /// <summary>How long a permanent STS error (AccessDenied, ValidationError, …) is answered from memory.</summary>
    public static readonly TimeSpan PermanentErrorMemory = TimeSpan.FromSeconds(5);

    /// <summary>How long a transient failure is answered from memory to waiting callers, so a hot loop cannot hammer STS.</summary>
    public static readonly TimeSpan TransientErrorMemory = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan RetryBaseDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>Bound of the GetCallerIdentity calls that name a source (or learn STS's clock) for the second-level caches.</summary>
    public static readonly TimeSpan IdentityRequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Timeout of one second-level cache read or write (the file or distributed cache).</summary>
    public static readonly TimeSpan SecondLevelCacheTimeout = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a second-level cache is skipped once its circuit breaker opens.</summary>
    public static readonly TimeSpan SecondLevelCacheBreakDuration = TimeSpan.FromSeconds(30);

    /// <summary>The bound of one STS request.</summary>
    public static readonly TimeSpan StsRequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long an MFA <c>TokenCodeProvider</c> may take to return a code (a person reading a device).</summary>
    public static readonly TimeSpan MfaTokenCodeTimeout = TimeSpan.FromMinutes(1);

    public const int MaxCachedSessions = 10_000;
    public static readonly TimeSpan SessionIdleTimeout = TimeSpan.FromMinutes(15);

    /// <summary>Advisory window for a session of lifetime <paramref name="lifetime"/> (see DESIGN: 5/15/60 minutes).</summary>
    public static TimeSpan AdvisoryWindowFor(TimeSpan lifetime) =>
        lifetime <= TimeSpan.FromMinutes(20) ? TimeSpan.FromMinutes(5)
        : lifetime < TimeSpan.FromMinutes(90) ? TimeSpan.FromMinutes(15)
        : TimeSpan.FromMinutes(60);
}
