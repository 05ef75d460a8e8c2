using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Validation;
using Amazon.SecurityToken.Model;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Timeout;

namespace AssumeRole.Extensions.Sts;

/// <summary>
/// One refresh attempt of a web identity session: reads the token file (again on every attempt, since its issuer
/// rotates it), makes the unsigned AssumeRoleWithWebIdentity call through the transient-retry pipeline, and applies the
/// same MaxSessionDuration downgrade as AssumeRole. The token never appears in logs or errors.
/// </summary>
internal sealed class WebIdentityFetcher : ISessionFetcher
{
    private readonly FirstHopSpec _hop;
    private readonly IStsGateway _gateway;
    private readonly bool _ownsGateway;
    private readonly ResiliencePipeline _pipeline;
    private readonly DurationCaps _caps;
    private readonly ILogger _logger;

    public WebIdentityFetcher(FirstHopSpec hop, IStsGateway gateway, bool ownsGateway, ResiliencePipeline pipeline, DurationCaps caps, ILogger logger)
    {
        _hop = hop;
        _gateway = gateway;
        _ownsGateway = ownsGateway;
        _pipeline = pipeline;
        _caps = caps;
        _logger = logger;
    }

    public string RoleArn => _hop.RoleArn!;

    /// <summary>The hop (the cross-process identity of the roles above it includes its parameters).</summary>
    public FirstHopSpec Spec => _hop;

    public async Task<StsCredentials> FetchAsync(CancellationToken cancellationToken)
    {
        var duration = _caps.Apply(RoleArn, _hop.DurationSeconds);
        while (true)
        {
            try
            {
                return await StsPipelines.ExecuteAsync(
                    _pipeline,
                    _logger,
                    "AssumeRoleWithWebIdentity",
                    RoleArn,
                    static async (state, ct) =>
                    {
                        var token = await state.Self.ReadTokenAsync(ct).ConfigureAwait(false);
                        var request = new AssumeRoleWithWebIdentityRequest
                        {
                            RoleArn = state.Self.RoleArn,
                            RoleSessionName = state.Self._hop.RoleSessionName,
                            WebIdentityToken = token,
                            DurationSeconds = state.Duration,
                            Policy = state.Self._hop.Policy,
                        };
                        return await state.Self._gateway.AssumeRoleWithWebIdentityAsync(request, ct).ConfigureAwait(false);
                    },
                    (Self: this, Duration: duration),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (StsCallException ex) when (duration is > AssumeRoleOptionsValidator.ChainedMaxDuration && ex.IsMaxSessionDurationExceeded)
            {
                Log.DurationCapLearned(_logger, RoleArn, duration.Value, AssumeRoleOptionsValidator.ChainedMaxDuration, "the role's MaxSessionDuration");
                _caps.Learn(RoleArn, AssumeRoleOptionsValidator.ChainedMaxDuration);
                duration = AssumeRoleOptionsValidator.ChainedMaxDuration;
            }
            catch (StsCallException ex)
            {
                // The message is STS's own; it does not echo the token. The SDK exception is not kept: its request
                // object carries the token.
                throw new AssumeRoleException(RoleArn, 1, _hop.Count, ex.ErrorCode, ex.RequestId, ex.StatusCode, ex.IsTransient,
                    "AssumeRoleWithWebIdentity: " + ex.Message, null);
            }
            catch (TimeoutRejectedException ex)
            {
                throw new AssumeRoleException(RoleArn, 1, _hop.Count, "RequestTimeout", null, null, isTransient: true,
                    $"STS did not answer AssumeRoleWithWebIdentity within {ex.Timeout.TotalSeconds:F0} s.", null);
            }
        }
    }

    public void Dispose()
    {
        if (_ownsGateway)
        {
            _gateway.Dispose();
        }
    }

    public override string ToString() => $"WebIdentityFetcher {{ {_hop} }}";

    private async ValueTask<string> ReadTokenAsync(CancellationToken cancellationToken)
    {
        string token;
        try
        {
            token = (await File.ReadAllTextAsync(_hop.TokenFile!, cancellationToken).ConfigureAwait(false)).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Transient: the issuer may be replacing the file right now; the engine's backoff tries again.
            throw new AssumeRoleException(RoleArn, 1, _hop.Count, "WebIdentityTokenFileUnreadable", null, null, isTransient: true,
                $"The web identity token file '{_hop.TokenFile}' could not be read: {ex.Message}", null);
        }

        if (token.Length < 4)
        {
            throw new AssumeRoleException(RoleArn, 1, _hop.Count, "WebIdentityTokenFileEmpty", null, null, isTransient: true,
                $"The web identity token file '{_hop.TokenFile}' holds no token.", null);
        }

        return token;
    }
}
