using AssumeRole.Extensions.Sts;
using Amazon.SecurityToken.Model;
using Microsoft.Extensions.Logging;

namespace AssumeRole.Extensions.Diagnostics;

/// <summary>
/// Wraps an <see cref="IStsGateway"/> so that every STS request (each retry included) is measured, traced and logged
/// in one place, whatever the gateway (the SDK client, the in-memory double of the tests).
/// </summary>
internal sealed class InstrumentedStsGateway : IStsGateway
{
    private readonly AssumeRoleTelemetry _telemetry;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public InstrumentedStsGateway(IStsGateway inner, AssumeRoleTelemetry telemetry, TimeProvider timeProvider, ILogger logger)
    {
        Inner = inner;
        _telemetry = telemetry;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public IStsGateway Inner { get; }

    /// <summary>Wraps a gateway factory; ownership of the wrapped gateway stays as the factory said.</summary>
    public static Func<Amazon.Runtime.AWSCredentials, string, StsEndpoint, (IStsGateway Gateway, bool Owned)> Wrap(
        Func<Amazon.Runtime.AWSCredentials, string, StsEndpoint, (IStsGateway Gateway, bool Owned)> factory,
        AssumeRoleTelemetry telemetry,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory)
    {
        var logger = loggerFactory.CreateLogger("AssumeRole.Extensions.Sts");

        // A shared gateway (one per source and endpoint) gets one shared wrapper, so that thousands of tenant
        // sessions on one source do not carry a wrapper each; an owned gateway gets its own.
        var shared = new System.Runtime.CompilerServices.ConditionalWeakTable<IStsGateway, InstrumentedStsGateway>();
        return (source, principal, endpoint) =>
        {
            var (gateway, owned) = factory(source, principal, endpoint);
            var wrapped = owned
                ? new InstrumentedStsGateway(gateway, telemetry, timeProvider, logger)
                : shared.GetValue(gateway, g => new InstrumentedStsGateway(g, telemetry, timeProvider, logger));
            return (wrapped, owned);
        };
    }

    public Task<StsCredentials> AssumeRoleAsync(AssumeRoleRequest request, CancellationToken cancellationToken) =>
        CallAsync("AssumeRole", request.RoleArn, request.RoleSessionName, [request.ExternalId, request.TokenCode, .. request.ProvidedContexts?.Select(c => c.ContextAssertion) ?? []], request, static (g, r, ct) => g.AssumeRoleAsync(r, ct), cancellationToken);

    public Task<StsCredentials> AssumeRoleWithWebIdentityAsync(AssumeRoleWithWebIdentityRequest request, CancellationToken cancellationToken) =>
        CallAsync("AssumeRoleWithWebIdentity", request.RoleArn, request.RoleSessionName, [request.WebIdentityToken], request, static (g, r, ct) => g.AssumeRoleWithWebIdentityAsync(r, ct), cancellationToken);

    public Task<StsCredentials> GetSessionTokenAsync(GetSessionTokenRequest request, CancellationToken cancellationToken) =>
        CallAsync("GetSessionToken", null, null, [request.TokenCode], request, static (g, r, ct) => g.GetSessionTokenAsync(r, ct), cancellationToken);

    /// <summary>Used by the second-level caches to name the source principal; an STS request like the others.</summary>
    public async Task<string> GetCallerArnAsync(CancellationToken cancellationToken) =>
        (await GetCallerIdentityAsync(cancellationToken).ConfigureAwait(false)).Arn;

    /// <summary>The same request with the response's Date (the second-level caches learn STS's clock from it).</summary>
    public async Task<CallerIdentity> GetCallerIdentityAsync(CancellationToken cancellationToken)
    {
        const string Action = "GetCallerIdentity";
        var activity = AssumeRoleTelemetry.StartStsCall(Action, null, null);
        try
        {
            var started = _timeProvider.GetTimestamp();
            CallerIdentity identity;
            try
            {
                identity = await Inner.GetCallerIdentityAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _telemetry.StsCallCompleted(activity, _logger, Action, null, _timeProvider.GetElapsedTime(started), null, ex);
                throw;
            }

            _telemetry.StsCallCompleted(activity, _logger, Action, null, _timeProvider.GetElapsedTime(started), null, null);
            return identity;
        }
        finally
        {
            AssumeRoleTelemetry.Stop(activity);
        }
    }

    public void Dispose() => Inner.Dispose();

    public override string ToString() => $"InstrumentedStsGateway {{ {Inner} }}";

    private async Task<StsCredentials> CallAsync<TRequest>(
        string action,
        string? roleArn,
        string? sessionName,
        string?[] secrets,
        TRequest request,
        Func<IStsGateway, TRequest, CancellationToken, Task<StsCredentials>> call,
        CancellationToken cancellationToken)
    {
        // Stopped explicitly, not with `using`: a listener that throws on stop must not replace the call's outcome.
        var activity = AssumeRoleTelemetry.StartStsCall(action, roleArn, sessionName);
        try
        {
            var started = _timeProvider.GetTimestamp();
            StsCredentials result;
            try
            {
                result = await call(Inner, request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // The error code and request id come from the endpoint: checked against the request's secrets before
                // they become tags and log properties (the fetcher redacts the exception it throws on the same rule).
                var recorded = ex is StsCallException sts ? StsMessage.Redact(sts, secrets) : ex;
                _telemetry.StsCallCompleted(activity, _logger, action, roleArn, _timeProvider.GetElapsedTime(started), null, recorded);
                throw;
            }

            result = StsMessage.Checked(result, roleArn ?? string.Empty, sessionName, secrets);
            _telemetry.StsCallCompleted(activity, _logger, action, roleArn, _timeProvider.GetElapsedTime(started), result.RequestId, null);
            return result;
        }
        finally
        {
            AssumeRoleTelemetry.Stop(activity);
        }
    }
}
