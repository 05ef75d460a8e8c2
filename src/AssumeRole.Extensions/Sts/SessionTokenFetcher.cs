using AssumeRole.Extensions.Refresh;
using Amazon.SecurityToken.Model;
using Polly;
using Polly.Timeout;

namespace AssumeRole.Extensions.Sts;

/// <summary>
/// One refresh attempt of a GetSessionToken session: asks for a fresh MFA code (once per call, so once per session
/// lifetime) and calls STS with the IAM user's long-term keys. The roles above it refresh from this session without MFA.
/// </summary>
internal sealed class SessionTokenFetcher : ISessionFetcher
{
    private readonly FirstHopSpec _hop;
    private readonly IStsGateway _gateway;
    private readonly bool _ownsGateway;
    private readonly StsPipeline _pipeline;

    public SessionTokenFetcher(FirstHopSpec hop, Amazon.Runtime.AWSCredentials source, IStsGateway gateway, bool ownsGateway, StsPipeline pipeline)
    {
        _hop = hop;
        Source = source;
        _gateway = gateway;
        _ownsGateway = ownsGateway;
        _pipeline = pipeline;
    }

    public string RoleArn => FirstHopSpec.SessionTokenLabel;

    /// <summary>The hop (for the session's cross-process identity).</summary>
    public FirstHopSpec Spec => _hop;

    /// <summary>The IAM user's long-term keys that ask for the session.</summary>
    public Amazon.Runtime.AWSCredentials Source { get; }
    public string Endpoint => _hop.Endpoint.ToString();

    public async Task<StsCredentials> FetchAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await StsPipelines.ExecuteAsync(
                _pipeline,
                Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance,
                "GetSessionToken",
                RoleArn,
                static async (self, ct) =>
                {
                    // A fresh code for every try (STS accepts each code once), asked outside the request timeout.
                    var request = new GetSessionTokenRequest { DurationSeconds = self._hop.DurationSeconds };
                    if (self._hop.MfaSerialNumber is { } serial)
                    {
                        request.SerialNumber = serial;
                        request.TokenCode = await MfaCode.GetAsync(
                            self._hop.TokenCodeProvider, serial, self.RoleArn, 1, self._hop.Count, self._pipeline.MfaTimeout, self._pipeline.TimeProvider, ct).ConfigureAwait(false);
                    }

                    return request;
                },
                static async (self, request, ct) =>
                {
                    try
                    {
                        var answer = await self._gateway.GetSessionTokenAsync(request, ct).ConfigureAwait(false);
                        return StsMessage.Checked(answer, string.Empty, null, request.TokenCode);
                    }
                    catch (StsCallException ex)
                    {
                        throw StsMessage.Redact(ex, request.TokenCode);
                    }
                },
                this,
                cancellationToken).ConfigureAwait(false);
        }
        catch (StsCallException ex)
        {
            var hint = ex.ErrorCode is "AccessDenied" && _hop.MfaSerialNumber is not null
                ? $" Check the MFA device {_hop.MfaSerialNumber} and that the code was fresh (codes are single-use)."
                : string.Empty;
            throw new AssumeRoleException(RoleArn, 1, _hop.Count, ex.ErrorCode, ex.RequestId, ex.StatusCode, ex.IsTransient,
                "GetSessionToken: " + StsMessage.Sanitize(ex.Message) + hint, null);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new AssumeRoleException(RoleArn, 1, _hop.Count, "RequestTimeout", null, null, isTransient: true,
                $"STS did not answer GetSessionToken within {ex.Timeout.TotalSeconds:F0} s.", null);
        }
    }

    public void Dispose()
    {
        if (_ownsGateway)
        {
            _gateway.Dispose();
        }
    }

    public override string ToString() => $"SessionTokenFetcher {{ {_hop} }}";
}
