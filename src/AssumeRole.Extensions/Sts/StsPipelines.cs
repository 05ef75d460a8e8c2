using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using AssumeRole.Extensions.Diagnostics;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace AssumeRole.Extensions.Sts;

/// <summary>
/// The transient-retry pipelines of STS attempts: a timeout per request inside exponential jittered retries. One
/// pipeline per clock and (retries, timeout, MFA timeout) is shared by every session, so that 10,000 tenant sessions do
/// not carry 10,000 copies (about 1.4 KB each); what differs per call (role, action, logger) travels in the Polly context.
/// </summary>
internal static class StsPipelines
{
    private static readonly ConditionalWeakTable<TimeProvider, ConcurrentDictionary<(int Retries, TimeSpan Timeout, TimeSpan MfaTimeout), StsPipeline>> s_pipelines = new();
    private static readonly ResiliencePropertyKey<ILogger> LoggerKey = new("AssumeRole.Extensions.Logger");
    private static readonly ResiliencePropertyKey<string> ActionKey = new("AssumeRole.Extensions.Action");
    private static readonly ResiliencePropertyKey<string> RoleKey = new("AssumeRole.Extensions.RoleArn");

    public static StsPipeline For(AssumeRoleOptions options, TimeProvider timeProvider) =>
        s_pipelines
            .GetValue(timeProvider, static _ => new ConcurrentDictionary<(int, TimeSpan, TimeSpan), StsPipeline>())
            .GetOrAdd((options.MaxStsRetries, options.StsRequestTimeout, options.MfaTokenCodeTimeout), static (key, tp) => Build(key.Retries, key.Timeout, key.MfaTimeout, tp), timeProvider);

    /// <summary>Runs one STS attempt through <paramref name="pipeline"/>, with the role and logger its retry log needs.</summary>
    public static ValueTask<TResult> ExecuteAsync<TResult, TState>(
        StsPipeline pipeline,
        ILogger logger,
        string action,
        string roleArn,
        Func<TState, CancellationToken, ValueTask<TResult>> callback,
        TState state,
        CancellationToken cancellationToken) =>
        ExecuteAsync(
            pipeline,
            logger,
            action,
            roleArn,
            static (_, _) => ValueTask.FromResult(true),
            (s, _, ct) => callback(s, ct),
            state,
            cancellationToken);

    /// <summary>
    /// Runs one STS attempt through <paramref name="pipeline"/>: for each try (the first and every transient retry),
    /// <paramref name="prepare"/> outside the request timeout (an MFA prompt, under its own bound), then
    /// <paramref name="call"/> within it.
    /// </summary>
    public static async ValueTask<TResult> ExecuteAsync<TResult, TState, TPrepared>(
        StsPipeline pipeline,
        ILogger logger,
        string action,
        string roleArn,
        Func<TState, CancellationToken, ValueTask<TPrepared>> prepare,
        Func<TState, TPrepared, CancellationToken, ValueTask<TResult>> call,
        TState state,
        CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(LoggerKey, logger);
        context.Properties.Set(ActionKey, action);
        context.Properties.Set(RoleKey, roleArn);
        try
        {
            return await pipeline.Retry.ExecuteAsync(
                static async (ctx, s) =>
                {
                    var prepared = await s.Prepare(s.State, ctx.CancellationToken).ConfigureAwait(false);
                    return await s.Pipeline.Timeout.ExecuteAsync(
                        static (inner, ct) => inner.Call(inner.State, inner.Prepared, ct),
                        (s.Call, s.State, Prepared: prepared),
                        ctx.CancellationToken).ConfigureAwait(false);
                },
                context,
                (Pipeline: pipeline, Prepare: prepare, Call: call, State: state)).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private static StsPipeline Build(int retries, TimeSpan timeout, TimeSpan mfaTimeout, TimeProvider timeProvider)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        if (retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = retries,
                Delay = AssumeRoleDefaults.RetryBaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = timeProvider is not Refresh.IDeterministicClock,
                ShouldHandle = new PredicateBuilder()
                    .Handle<StsCallException>(e => e.IsTransient)
                    .Handle<TimeoutRejectedException>(),
                OnRetry = static args =>
                {
                    if (args.Context.Properties.TryGetValue(LoggerKey, out var logger))
                    {
                        var code = args.Outcome.Exception switch
                        {
                            StsCallException sts => sts.ErrorCode,
                            TimeoutRejectedException => "RequestTimeout",
                            _ => null,
                        };
                        args.Context.Properties.TryGetValue(ActionKey, out var action);
                        args.Context.Properties.TryGetValue(RoleKey, out var role);
                        Log.StsRetry(logger, action ?? "AssumeRole", role ?? string.Empty, code, args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds);
                    }

                    return default;
                },
            });
        }

        var timeoutOnly = new ResiliencePipelineBuilder { TimeProvider = timeProvider }.AddTimeout(timeout).Build();
        return new StsPipeline(builder.Build(), timeoutOnly, mfaTimeout, timeProvider);
    }
}
