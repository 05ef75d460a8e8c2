using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Validation;
using Amazon.SecurityToken.Model;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace AssumeRole.Extensions.Sts;

/// <summary>
/// Makes one refresh attempt for one hop: builds the AssumeRole request (with a fresh MFA code), runs it through the
/// Polly pipeline that retries transient failures, applies learned duration caps, refreshes an expired source once,
/// and turns failures into <see cref="AssumeRoleException"/> without any secret in them.
/// </summary>
internal sealed class AssumeRoleFetcher : ISessionFetcher
{
    private readonly HopSpec _hop;
    private readonly IStsGateway _gateway;
    private readonly bool _ownsGateway;
    private readonly RefreshingSession? _parent;
    private readonly Action<RefreshingSession>? _releaseParent;
    private readonly ResiliencePipeline _pipeline;
    private readonly DurationCaps _caps;
    private readonly ILogger _logger;

    public AssumeRoleFetcher(
        HopSpec hop,
        Amazon.Runtime.AWSCredentials source,
        IStsGateway gateway,
        bool ownsGateway,
        RefreshingSession? parent,
        Action<RefreshingSession>? releaseParent,
        ResiliencePipeline pipeline,
        DurationCaps caps,
        ILogger logger)
    {
        _hop = hop;
        Source = source;
        _gateway = gateway;
        _ownsGateway = ownsGateway;
        _parent = parent;
        _releaseParent = releaseParent;
        _pipeline = pipeline;
        _caps = caps;
        _logger = logger;
    }

    public string RoleArn => _hop.RoleArn;

    public int Hop => _hop.Hop;

    // What the session's cross-process identity is made of (see Caching.StablePrincipal): the hop, who calls STS
    // for it (the source credentials, or the session of the hop before), and the client that signs as that source.

    /// <summary>The hop's parameters.</summary>
    public HopSpec Spec => _hop;

    /// <summary>The credentials that call STS for this hop (a <see cref="SessionCredentials"/> for a chained hop).</summary>
    public Amazon.Runtime.AWSCredentials Source { get; }

    /// <summary>The session of the hop before, or <see langword="null"/> for the first hop.</summary>
    public RefreshingSession? Parent => _parent;

    /// <summary>The STS client signing as <see cref="Source"/>.</summary>
    public IStsGateway Gateway => _gateway;

    public async Task<StsCredentials> FetchAsync(CancellationToken cancellationToken)
    {
        var duration = _caps.Apply(_hop.RoleArn, _hop.DurationSeconds);
        var sourceRefreshed = false;
        while (true)
        {
            try
            {
                // The request is built inside the pipeline so that every transient retry asks for a fresh MFA code:
                // STS accepts each code once, and a code may have been consumed by the call that failed.
                return await StsPipelines.ExecuteAsync(
                    _pipeline,
                    _logger,
                    "AssumeRole",
                    _hop.RoleArn,
                    static async (state, ct) =>
                    {
                        var request = await state.Self.BuildRequestAsync(state.Duration, ct).ConfigureAwait(false);
                        return await state.Self._gateway.AssumeRoleAsync(request, ct).ConfigureAwait(false);
                    },
                    (Self: this, Duration: duration),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (StsCallException ex) when (duration is > AssumeRoleOptionsValidator.ChainedMaxDuration
                && (ex.IsMaxSessionDurationExceeded || ex.IsChainingLimitExceeded))
            {
                // STS knows the role's MaxSessionDuration and whether we are chained; we may not. Retry once at the
                // one value every role accepts, and remember it so later refreshes go straight there.
                var reason = ex.IsChainingLimitExceeded ? "the 1-hour role chaining limit" : "the role's MaxSessionDuration";
                Log.DurationCapLearned(_logger, _hop.RoleArn, duration.Value, AssumeRoleOptionsValidator.ChainedMaxDuration, reason);
                _caps.Learn(_hop.RoleArn, AssumeRoleOptionsValidator.ChainedMaxDuration);
                duration = AssumeRoleOptionsValidator.ChainedMaxDuration;
            }
            catch (StsCallException ex) when (ex.IsSourceExpired && _parent is not null && !sourceRefreshed)
            {
                Log.SourceExpired(_logger, _hop.RoleArn, _hop.Hop);
                sourceRefreshed = true;
                await _parent.ForceRefreshAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (StsCallException ex)
            {
                throw Translate(ex);
            }
            catch (TimeoutRejectedException ex)
            {
                throw new AssumeRoleException(_hop.RoleArn, _hop.Hop, _hop.Count, "RequestTimeout", null, null, isTransient: true,
                    $"STS did not answer within {ex.Timeout.TotalSeconds:F0} s.", null);
            }
            catch (AssumeRoleException ex) when (_parent is not null && ex.Hop != _hop.Hop)
            {
                // The source hop failed: surface its error as it is (it names its own hop).
                throw;
            }
        }
    }

    public void Dispose()
    {
        if (_ownsGateway)
        {
            _gateway.Dispose();
        }

        if (_parent is not null)
        {
            _releaseParent?.Invoke(_parent);
        }
    }

    public override string ToString() => $"AssumeRoleFetcher {{ {_hop} }}";

    private async ValueTask<AssumeRoleRequest> BuildRequestAsync(int? duration, CancellationToken cancellationToken)
    {
        var request = new AssumeRoleRequest
        {
            RoleArn = _hop.RoleArn,
            RoleSessionName = _hop.RoleSessionName,
            DurationSeconds = duration,
            ExternalId = _hop.ExternalId,
            Policy = _hop.Policy,
            SourceIdentity = _hop.SourceIdentity,
        };

        if (_hop.PolicyArns.Length > 0)
        {
            request.PolicyArns = [.. _hop.PolicyArns.Select(a => new PolicyDescriptorType { Arn = a })];
        }

        if (_hop.Tags.Length > 0)
        {
            request.Tags = [.. _hop.Tags.Select(t => new Tag { Key = t.Key, Value = t.Value })];
        }

        if (_hop.TransitiveTagKeys.Length > 0)
        {
            request.TransitiveTagKeys = [.. _hop.TransitiveTagKeys];
        }

        if (_hop.MfaSerialNumber is { } serial)
        {
            request.SerialNumber = serial;
            request.TokenCode = await MfaCode.GetAsync(_hop.TokenCodeProvider, serial, _hop.RoleArn, _hop.Hop, _hop.Count, cancellationToken).ConfigureAwait(false);
        }

        return request;
    }

    private AssumeRoleException Translate(StsCallException ex)
    {
        var detail = Redact(ex.Message) + MfaHint(ex);

        // Keep the SDK exception as the cause only when nothing in it could carry a secret we sent.
        var inner = ex.InnerException is { } cause && string.Equals(Redact(ex.Message), ex.Message, StringComparison.Ordinal) ? cause : null;
        return new AssumeRoleException(_hop.RoleArn, _hop.Hop, _hop.Count, ex.ErrorCode, ex.RequestId, ex.StatusCode, ex.IsTransient, detail, inner);
    }

    /// <summary>
    /// STS answers a missing or wrong MFA code with a plain AccessDenied; say what to check, since the trust policy's
    /// <c>aws:MultiFactorAuthPresent</c> condition is not visible to the caller.
    /// </summary>
    private string MfaHint(StsCallException ex)
    {
        if (ex.ErrorCode is not "AccessDenied")
        {
            return string.Empty;
        }

        if (ex.Message.Contains("MultiFactorAuthentication", StringComparison.OrdinalIgnoreCase))
        {
            return $" The MFA code for device {_hop.MfaSerialNumber} was rejected: codes are single-use and valid for about 30 seconds.";
        }

        return _hop.MfaSerialNumber is null
            ? " If the role's trust policy requires MFA (aws:MultiFactorAuthPresent), set MfaSerialNumber and TokenCodeProvider for this hop."
            : string.Empty;
    }

    /// <summary>STS echoes invalid values in ValidationError messages: never let the external ID through.</summary>
    private string Redact(string message)
    {
        if (_hop.ExternalId is { Length: > 0 } ext && message.Contains(ext, StringComparison.Ordinal))
        {
            return message.Replace(ext, "***", StringComparison.Ordinal);
        }

        return message;
    }
}
