using System.Globalization;

namespace AssumeRole.Extensions;

/// <summary>
/// A read-only snapshot of the refresh state of an <see cref="AssumeRoleCredentials"/> (for a chain, of its last hop,
/// whose refresh reports a failure of any hop before it), from <see cref="AssumeRoleCredentials.GetStatus"/>. It
/// carries no secret: no access key, session token, external ID or MFA code.
/// </summary>
/// <remarks>
/// Taking it never calls STS. The health check of the <c>AssumeRole.Extensions.HealthChecks</c> package is built on it;
/// use it to report the role's state anywhere else (a status page, a custom probe).
/// </remarks>
public sealed class AssumeRoleStatus
{
    internal AssumeRoleStatus(
        string roleArn,
        int hop,
        bool hasCredentials,
        bool isUsable,
        TimeSpan? timeToExpiry,
        DateTime? expirationUtc,
        int consecutiveFailures,
        string? lastErrorCode,
        TimeSpan? nextAttemptIn,
        bool refreshInFlight,
        bool isDisposed)
    {
        RoleArn = roleArn;
        Hop = hop;
        HasCredentials = hasCredentials;
        IsUsable = isUsable;
        TimeToExpiry = timeToExpiry;
        ExpirationUtc = expirationUtc;
        ConsecutiveFailures = consecutiveFailures;
        LastErrorCode = lastErrorCode;
        NextAttemptIn = nextAttemptIn;
        RefreshInFlight = refreshInFlight;
        IsDisposed = isDisposed;
    }

    /// <summary>Gets the role of the session (the last hop's for a chain).</summary>
    public string RoleArn { get; }

    /// <summary>Gets the session's hop in its chain (1-based).</summary>
    public int Hop { get; }

    /// <summary>Gets a value indicating whether credentials were fetched at least once.</summary>
    public bool HasCredentials { get; }

    /// <summary>Gets a value indicating whether the cached credentials are still handed out (before the mandatory window).</summary>
    public bool IsUsable { get; }

    /// <summary>Gets the time until the cached credentials expire (zero once expired), or <see langword="null"/> when none are cached.</summary>
    public TimeSpan? TimeToExpiry { get; }

    /// <summary>Gets the expiry STS gave the cached credentials (UTC), when any are cached.</summary>
    public DateTime? ExpirationUtc { get; }

    /// <summary>Gets the number of refresh failures since the last success.</summary>
    public int ConsecutiveFailures { get; }

    /// <summary>Gets the error code of the last failure since the last success (an STS error code or one of ours), when any.</summary>
    public string? LastErrorCode { get; }

    /// <summary>Gets the remaining backoff before the next refresh attempt, when one is held back.</summary>
    public TimeSpan? NextAttemptIn { get; }

    /// <summary>Gets a value indicating whether a refresh is running.</summary>
    public bool RefreshInFlight { get; }

    /// <summary>Gets a value indicating whether the provider or its session was disposed.</summary>
    public bool IsDisposed { get; }

    /// <inheritdoc />
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"AssumeRoleStatus {{ RoleArn = {RoleArn}, Hop = {Hop}, HasCredentials = {HasCredentials}, IsUsable = {IsUsable}, TimeToExpiry = {TimeToExpiry}, ExpirationUtc = {ExpirationUtc:O}, ConsecutiveFailures = {ConsecutiveFailures}, LastErrorCode = {LastErrorCode}, NextAttemptIn = {NextAttemptIn}, RefreshInFlight = {RefreshInFlight}, IsDisposed = {IsDisposed} }}");
}
