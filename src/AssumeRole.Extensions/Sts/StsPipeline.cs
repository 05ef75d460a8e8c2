using Polly;

namespace AssumeRole.Extensions.Sts;

/// <summary>
/// How one STS attempt runs: transient failures retried by <see cref="Retry"/> (exponential, jittered), each request
/// bounded by <see cref="Timeout"/> (<see cref="AssumeRoleOptions.StsRequestTimeout"/>). What has to happen before a
/// request — asking for an MFA code — runs inside the retry but outside the request timeout, under its own bound
/// (<see cref="MfaTimeout"/>): a person typing a code is not an STS request, and must not be cut off after 10 seconds.
/// </summary>
internal sealed class StsPipeline(ResiliencePipeline retry, ResiliencePipeline timeout, TimeSpan mfaTimeout, TimeProvider timeProvider)
{
    public ResiliencePipeline Retry { get; } = retry;

    public ResiliencePipeline Timeout { get; } = timeout;

    /// <summary>The bound on one MFA code prompt (<see cref="AssumeRoleOptions.MfaTokenCodeTimeout"/>).</summary>
    public TimeSpan MfaTimeout { get; } = mfaTimeout;

    public TimeProvider TimeProvider { get; } = timeProvider;
}
