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
    private readonly StsPipeline _pipeline;
    private readonly DurationCaps _caps;
    private readonly ILogger _logger;

    private readonly string _sourcePrincipal;

    // STS said this hop's source is a role session although the planner did not know (an undetected role-session
    // source): from then on it counts as chained, for the duration caps and for this session's later refreshes. Other
    // sessions from the same source learn it from the caps (DurationCaps.IsRoleSessionSource).
    private volatile bool _learnedChained;

    public AssumeRoleFetcher(
        HopSpec hop,
        Amazon.Runtime.AWSCredentials source,
        IStsGateway gateway,
        bool ownsGateway,
        RefreshingSession? parent,
        Action<RefreshingSession>? releaseParent,
        StsPipeline pipeline,
        DurationCaps caps,
        ILogger logger,
        string sourcePrincipal)
    {
        _hop = hop;
        _sourcePrincipal = sourcePrincipal;
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

    public int HopCount => _hop.Count;

    /// <summary>Whether STS's chaining cap applies to this hop: planned so, or learned from STS.</summary>
    public bool Chained => _hop.Chained || _learnedChained;

    public string Endpoint => _hop.Endpoint.ToString();

    public async Task<StsCredentials> FetchAsync(CancellationToken cancellationToken)
    {
        if (!Chained && _caps.IsRoleSessionSource(_sourcePrincipal))
        {
            // Another session from this source already learned that STS counts it as role chaining.
            _learnedChained = true;
        }

        var duration = _caps.Apply(_hop.RoleArn, Chained, _hop.DurationSeconds);
        if (_learnedChained && duration > AssumeRoleOptionsValidator.ChainedMaxDuration)
        {
            duration = AssumeRoleOptionsValidator.ChainedMaxDuration;
        }
        var sourceRefreshed = false;
        while (true)
        {
            try
            {
                // The request is built inside the retries so that every transient retry asks for a fresh MFA code
                // (STS accepts each code once, and a code may have been consumed by the call that failed), but outside
                // the STS request timeout: the prompt has its own bound (MfaTokenCodeTimeout).
                return await StsPipelines.ExecuteAsync(
                    _pipeline,
                    _logger,
                    "AssumeRole",
                    _hop.RoleArn,
                    static (state, ct) => state.Self.BuildRequestAsync(state.Duration, ct),
                    static async (state, request, ct) =>
                    {
                        try
                        {
                            var answer = await state.Self._gateway.AssumeRoleAsync(request, ct).ConfigureAwait(false);
                            return StsMessage.Checked(answer, request.RoleArn, request.RoleSessionName, state.Self.SecretsOf(request));
                        }
                        catch (StsCallException ex)
                        {
                            // Here the request, and so every secret it carried (the MFA code included), is known.
                            throw StsMessage.Redact(ex, state.Self.SecretsOf(request));
                        }
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
                if (ex.IsChainingLimitExceeded)
                {
                    _learnedChained = true;
                    _caps.LearnRoleSessionSource(_sourcePrincipal);
                }

                _caps.Learn(_hop.RoleArn, Chained, AssumeRoleOptionsValidator.ChainedMaxDuration);
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

        if (_hop.ProvidedContexts.Length > 0)
        {
            request.ProvidedContexts = [.. _hop.ProvidedContexts.Select(c => new ProvidedContext { ProviderArn = c.Key, ContextAssertion = c.Value })];
        }

        if (_hop.MfaSerialNumber is { } serial)
        {
            request.SerialNumber = serial;
            request.TokenCode = await MfaCode.GetAsync(
                _hop.TokenCodeProvider, serial, _hop.RoleArn, _hop.Hop, _hop.Count, _pipeline.MfaTimeout, _pipeline.TimeProvider, cancellationToken).ConfigureAwait(false);
        }

        return request;
    }

    private AssumeRoleException Translate(StsCallException ex)
    {
        // The text was kept or withheld where the request was known (MFA code included); the hop's own secrets are
        // checked once more, then the text is escaped and cut for logs, and what to check is added.
        ex = StsMessage.Redact(ex, SecretsOf(null));
        var text = StsMessage.Sanitize(ex.Message);
        var detail = text + AccessDeniedHint(ex);

        // Keep the SDK exception as the cause only when its text needed no change at all.
        var inner = ex.InnerException is { } cause && string.Equals(text, ex.Message, StringComparison.Ordinal) ? cause : null;
        return new AssumeRoleException(_hop.RoleArn, _hop.Hop, _hop.Count, ex.ErrorCode, ex.RequestId, ex.StatusCode, ex.IsTransient, detail, inner);
    }

    /// <summary>What a request carries that STS must never echo into our messages.</summary>
    private string?[] SecretsOf(AssumeRoleRequest? request) =>
        [_hop.ExternalId, request?.TokenCode, .. _hop.ProvidedContexts.Select(c => c.Value)];

    /// <summary>
    /// STS answers every trust-policy mismatch with the same AccessDenied. Say what this hop does and does not send,
    /// since the trust policy's conditions are not visible to the caller: a fact to compare, not a guess.
    /// </summary>
    private string AccessDeniedHint(StsCallException ex)
    {
        if (ex.ErrorCode is not "AccessDenied")
        {
            return string.Empty;
        }

        if (ex.Message.Contains("MultiFactorAuthentication", StringComparison.OrdinalIgnoreCase))
        {
            return $" The MFA code for device {_hop.MfaSerialNumber} was rejected: codes are single-use and valid for about 30 seconds.";
        }

        var notSent = new List<string>(4);
        if (_hop.ExternalId is null)
        {
            notSent.Add("an external ID (sts:ExternalId; set ExternalId)");
        }

        if (_hop.MfaSerialNumber is null)
        {
            notSent.Add("MFA (aws:MultiFactorAuthPresent; set MfaSerialNumber and TokenCodeProvider)");
        }

        if (_hop.SourceIdentity is null)
        {
            notSent.Add("a source identity (sts:SourceIdentity; set SourceIdentity)");
        }

        if (_hop.Tags.Length == 0)
        {
            notSent.Add("session tags (aws:RequestTag; set Tags)");
        }

        var sent = new List<string>(3);
        if (_hop.ExternalId is not null)
        {
            sent.Add("an external ID (it must equal the trust policy's sts:ExternalId)");
        }

        if (_hop.Tags.Length > 0)
        {
            sent.Add("session tags (the trust policy must allow sts:TagSession)");
        }

        if (_hop.SourceIdentity is not null)
        {
            sent.Add("a source identity (the trust policy must allow sts:SetSourceIdentity)");
        }

        var hint = " Check that the role's trust policy allows the caller.";
        if (notSent.Count > 0)
        {
            hint += " This hop does not send " + string.Join(", ", notSent) + ".";
        }

        if (sent.Count > 0)
        {
            hint += " It sends " + string.Join(", ", sent) + ".";
        }

        return hint;
    }
}
