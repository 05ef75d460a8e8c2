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
/// pipeline per clock and (retries, timeout) pair is shared by every session, so that 10,000 tenant sessions do not
/// carry 10,000 copies (about 1.4 KB each); what differs per call (role, action, logger) travels in the Polly context.
/// </summary>
internal static class StsPipelines
{
    private static readonly ConditionalWeakTable<TimeProvider, ConcurrentDictionary<(int Retries, TimeSpan Timeout), ResiliencePipeline>> s_pipelines = new();
    private static readonly ResiliencePropertyKey<ILogger> LoggerKey = new("AssumeRole.Extensions.Logger");
    private static readonly ResiliencePropertyKey<string> ActionKey = new("AssumeRole.Extensions.Action");
    private static readonly ResiliencePropertyKey<string> RoleKey = new("AssumeRole.Extensions.RoleArn");

    public static ResiliencePipeline For(AssumeRoleOptions options, TimeProvider timeProvider) =>
        s_pipelines
            .GetValue(timeProvider, static _ => new ConcurrentDictionary<(int, TimeSpan), ResiliencePipeline>())
            .GetOrAdd((options.MaxStsRetries, options.StsRequestTimeout), static (key, tp) => Build(key.Retries, key.Timeout, tp), timeProvider);

    /// <summary>Runs one STS attempt through <paramref name="pipeline"/>, with the role and logger its retry log needs.</summary>
    public static async ValueTask<TResult> ExecuteAsync<TResult, TState>(
        ResiliencePipeline pipeline,
        ILogger logger,
        string action,
        string roleArn,
        Func<TState, CancellationToken, ValueTask<TResult>> callback,
        TState state,
        CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(LoggerKey, logger);
        context.Properties.Set(ActionKey, action);
        context.Properties.Set(RoleKey, roleArn);
        try
        {
            return await pipeline.ExecuteAsync(
                static (ctx, s) => s.Callback(s.State, ctx.CancellationToken),
                context,
                (Callback: callback, State: state)).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private static ResiliencePipeline Build(int retries, TimeSpan timeout, TimeProvider timeProvider)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        if (retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = retries,
                Delay = AssumeRoleDefaults.RetryBaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
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

        return builder.AddTimeout(timeout).Build();
    }
}
