namespace AssumeRole.Extensions.Refresh;

/// <summary>A read-only snapshot of a session's health, for the health check and diagnostics.</summary>
/// <param name="RoleArn">The role of the session.</param>
/// <param name="Hop">The session's hop in its chain (1-based).</param>
/// <param name="HasCredentials">Whether credentials were fetched at least once.</param>
/// <param name="IsUsable">Whether the cached credentials are still handed out (before the mandatory window).</param>
/// <param name="TimeToExpiry">Time until the cached credentials expire (zero once expired), or <see langword="null"/> when none are cached.</param>
/// <param name="ExpirationUtc">The expiry of the cached credentials, when any.</param>
/// <param name="ConsecutiveFailures">Refresh failures since the last success.</param>
/// <param name="LastErrorCode">The error code of the last failure since the last success, when any.</param>
/// <param name="NextAttemptIn">The remaining backoff before the next refresh attempt, when one is held back.</param>
/// <param name="RefreshInFlight">Whether a refresh is running.</param>
/// <param name="IsDisposed">Whether the session was disposed (evicted).</param>
internal sealed record SessionStatus(
    string RoleArn,
    int Hop,
    bool HasCredentials,
    bool IsUsable,
    TimeSpan? TimeToExpiry,
    DateTime? ExpirationUtc,
    int ConsecutiveFailures,
    string? LastErrorCode,
    TimeSpan? NextAttemptIn,
    bool RefreshInFlight,
    bool IsDisposed);
