using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AssumeRole.Extensions.Diagnostics;

/// <summary>
/// Reports whether an <see cref="AssumeRoleCredentials"/> can hand out credentials: Healthy while refreshes succeed,
/// Degraded when a refresh has failed but the cached credentials are still valid, Unhealthy (or the registration's
/// failure status) when a refresh has failed and no valid credentials remain, or the provider was disposed.
/// </summary>
/// <remarks>
/// <para>
/// The check reads the session's state only: it never calls STS, so probing it often costs nothing and cannot add to
/// an STS outage. A provider that has not fetched credentials yet, and has not failed, is Healthy (its first use
/// assumes the role); call <see cref="AssumeRoleCredentials.WarmUpAsync"/> at startup to find a bad role at once.
/// </para>
/// <para>
/// Data: <c>roleArn</c>, <c>hops</c>, <c>secondsLeft</c> (until expiry; 0 when none), <c>expiresAtUtc</c>,
/// <c>consecutiveFailures</c>, <c>lastErrorCode</c>. No secret, session token or external ID is ever included.
/// For a chain, the state is the last hop's, whose refresh reports a failure of any hop before it.
/// </para>
/// </remarks>
public sealed class AssumeRoleHealthCheck : IHealthCheck
{
    private readonly AssumeRoleCredentials _credentials;

    /// <summary>Initializes a new instance of the <see cref="AssumeRoleHealthCheck"/> class.</summary>
    /// <param name="credentials">The provider to report on.</param>
    public AssumeRoleHealthCheck(AssumeRoleCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        _credentials = credentials;
    }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Check(context?.Registration?.FailureStatus ?? HealthStatus.Unhealthy));

    /// <inheritdoc />
    public override string ToString() => $"AssumeRoleHealthCheck {{ RoleArn = {_credentials.RoleArn} }}";

    private HealthCheckResult Check(HealthStatus failureStatus)
    {
        var roleArn = _credentials.RoleArn;
        var status = _credentials.GetStatus();
        var data = Data(status);
        var seconds = Seconds(status.TimeToExpiry);
        if (status.IsDisposed)
        {
            return new HealthCheckResult(failureStatus, $"The credentials provider of role {roleArn} was disposed.", data: data);
        }

        if (status.ConsecutiveFailures == 0)
        {
            var description = status.HasCredentials
                ? $"Credentials of role {roleArn} expire in {seconds} s."
                : $"No credentials fetched yet for role {roleArn}; the first use assumes it.";
            return HealthCheckResult.Healthy(description, data);
        }

        var failed = $"Refresh of role {roleArn} failed {status.ConsecutiveFailures} time(s) in a row ({status.LastErrorCode ?? "error"})";
        return status.IsUsable
            ? HealthCheckResult.Degraded($"{failed}; the current credentials remain valid for {seconds} s.", data: data)
            : new HealthCheckResult(failureStatus, $"{failed}; no valid credentials remain.", data: data);
    }

    private Dictionary<string, object> Data(AssumeRoleStatus status)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["roleArn"] = _credentials.RoleArn,
            ["hops"] = _credentials.HopCount,
            ["secondsLeft"] = status.TimeToExpiry is { } left && status.IsUsable ? Math.Floor(left.TotalSeconds) : 0d,
            ["consecutiveFailures"] = status.ConsecutiveFailures,
        };
        if (status.ExpirationUtc is { } expiry)
        {
            data["expiresAtUtc"] = expiry.ToString("O", CultureInfo.InvariantCulture);
        }

        if (status.LastErrorCode is { } code)
        {
            data["lastErrorCode"] = code;
        }

        return data;
    }

    private static string Seconds(TimeSpan? left) =>
        Math.Floor(left?.TotalSeconds ?? 0).ToString("F0", CultureInfo.InvariantCulture);
}
