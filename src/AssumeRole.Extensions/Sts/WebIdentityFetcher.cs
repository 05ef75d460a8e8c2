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
    /// <summary>How much of the token file is read: STS's limit plus room for surrounding whitespace.</summary>
    internal const int MaxTokenFileCharacters = StsConstraints.MaxWebIdentityTokenLength + 1024;

    private readonly FirstHopSpec _hop;
    private readonly IStsGateway _gateway;
    private readonly bool _ownsGateway;
    private readonly StsPipeline _pipeline;
    private readonly DurationCaps _caps;
    private readonly ILogger _logger;

    public WebIdentityFetcher(FirstHopSpec hop, IStsGateway gateway, bool ownsGateway, StsPipeline pipeline, DurationCaps caps, ILogger logger)
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

    public string Endpoint => _hop.Endpoint.ToString();

    public async Task<StsCredentials> FetchAsync(CancellationToken cancellationToken)
    {
        var duration = _caps.Apply(RoleArn, chained: false, _hop.DurationSeconds);
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
                        try
                        {
                            var answer = await state.Self._gateway.AssumeRoleWithWebIdentityAsync(request, ct).ConfigureAwait(false);
                            return StsMessage.Checked(answer, request.RoleArn, request.RoleSessionName, token);
                        }
                        catch (StsCallException ex)
                        {
                            throw StsMessage.Redact(ex, token);
                        }
                    },
                    (Self: this, Duration: duration),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (StsCallException ex) when (duration is > AssumeRoleOptionsValidator.ChainedMaxDuration && ex.IsMaxSessionDurationExceeded)
            {
                Log.DurationCapLearned(_logger, RoleArn, duration.Value, AssumeRoleOptionsValidator.ChainedMaxDuration, "the role's MaxSessionDuration");
                _caps.Learn(RoleArn, chained: false, AssumeRoleOptionsValidator.ChainedMaxDuration);
                duration = AssumeRoleOptionsValidator.ChainedMaxDuration;
            }
            catch (StsCallException ex)
            {
                // The message is STS's own; it does not echo the token. The SDK exception is not kept: its request
                // object carries the token.
                throw new AssumeRoleException(RoleArn, 1, _hop.Count, ex.ErrorCode, ex.RequestId, ex.StatusCode, ex.IsTransient,
                    "AssumeRoleWithWebIdentity: " + StsMessage.Sanitize(ex.Message), null);
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

    /// <summary>
    /// Reads the token, at most <see cref="MaxTokenFileCharacters"/> characters: STS takes at most 20,000, and a huge or
    /// endless file (a device, a mistake) must not be read whole into memory on every refresh.
    /// </summary>
    private async ValueTask<string> ReadTokenAsync(CancellationToken cancellationToken)
    {
        var setting = $"WebIdentity.WebIdentityTokenFile {SafeText.Quote(_hop.TokenFile)}";
        string token;
        bool more;
        try
        {
            using var reader = new StreamReader(_hop.TokenFile!, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite | FileShare.Delete, Options = FileOptions.Asynchronous });
            var buffer = new char[MaxTokenFileCharacters + 1];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = await reader.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            more = read > MaxTokenFileCharacters;
            token = new string(buffer, 0, Math.Min(read, MaxTokenFileCharacters)).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Transient: the issuer may be replacing the file right now; the engine's backoff tries again. Only the
            // exception type: the path is already named, and IO messages can quote anything.
            throw new AssumeRoleException(RoleArn, 1, _hop.Count, "WebIdentityTokenFileUnreadable", null, null, isTransient: true,
                $"{setting} could not be read ({ex.GetType().Name}).", null);
        }

        if (more || token.Length > StsConstraints.MaxWebIdentityTokenLength)
        {
            throw new AssumeRoleException(RoleArn, 1, _hop.Count, "WebIdentityTokenTooLarge", null, null, isTransient: false,
                $"{setting} holds more than {StsConstraints.MaxWebIdentityTokenLength} characters, the most STS accepts; it was not sent.", null);
        }

        if (token.Length < StsConstraints.WebIdentityToken.Min)
        {
            throw new AssumeRoleException(RoleArn, 1, _hop.Count, "WebIdentityTokenFileEmpty", null, null, isTransient: true,
                $"{setting} holds no token.", null);
        }

        return token;
    }
}
