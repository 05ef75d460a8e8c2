using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using AssumeRole.Extensions.Diagnostics;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace AssumeRole.Extensions.Caching;

/// <summary>
/// Keeps a sick second-level cache (a paused or dead Redis, a hung network home directory) from stalling callers: each
/// read or write has a timeout, and a circuit breaker shared by every session on the same cache skips the cache for
/// a while once it fails, so a dead cache costs one timeout per break interval instead of one per new session.
/// Writes run in the background: they never delay the caller, are bounded in number, and their failures are logged.
/// </summary>
/// <remarks>
/// The timeout does not rely on the cache honouring cancellation (StackExchange.Redis commands do not): the operation
/// is abandoned with <c>WaitAsync</c> and its eventual failure observed. Only the I/O is guarded: an entry that
/// arrives but cannot be opened or fails its checks is refused by the caller and does not count against the cache.
/// </remarks>
internal sealed class SecondLevelGuard
{
    /// <summary>Background writes in flight per cache beyond which new ones are dropped (a cache that is slow but not failing).</summary>
    public const int MaxBackgroundWrites = 256;

    private static readonly ConditionalWeakTable<object, ConcurrentDictionary<(TimeSpan, TimeSpan, TimeProvider), SecondLevelGuard>> s_byCache = new();
    private static readonly ConcurrentDictionary<(string, TimeSpan, TimeSpan, TimeProvider), SecondLevelGuard> s_byDirectory = new();

    private readonly ResiliencePipeline _pipeline;
    private readonly ConcurrentDictionary<Task, byte> _background = new();
    private int _backgroundCount;

    private SecondLevelGuard(string level, TimeSpan timeout, TimeSpan breakDuration, TimeProvider timeProvider, ILogger logger)
    {
        Level = level;
        Timeout = timeout;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                // Polly needs at least two results in the sampling window: a dead cache costs two timeouts before the
                // circuit opens (concurrent new sessions wait for the same ones), then at most one per break interval
                // (the half-open probe).
                FailureRatio = 0.5,
                MinimumThroughput = 2,
                SamplingDuration = breakDuration < TimeSpan.FromSeconds(30) ? TimeSpan.FromSeconds(30) : breakDuration,
                BreakDuration = breakDuration,
                ShouldHandle = static args => ValueTask.FromResult(
                    args.Outcome.Exception is { } ex && !(ex is OperationCanceledException && args.Context.CancellationToken.IsCancellationRequested)),
                OnOpened = args =>
                {
                    Quietly(() => Log.SecondLevelCacheCircuitOpened(logger, level, args.BreakDuration.TotalSeconds, args.Outcome.Exception?.GetType().Name));
                    return default;
                },
                OnClosed = _ =>
                {
                    Quietly(() => Log.SecondLevelCacheCircuitClosed(logger, level));
                    return default;
                },
            })
            .AddTimeout(timeout)
            .Build();
    }

    public string Level { get; }

    public TimeSpan Timeout { get; }

    /// <summary>The guard of <paramref name="cache"/> (an <c>IDistributedCache</c> instance), shared by every session that uses it.</summary>
    public static SecondLevelGuard ForCache(object cache, string level, TimeSpan timeout, TimeSpan breakDuration, TimeProvider timeProvider, ILogger logger) =>
        s_byCache.GetValue(cache, static _ => new())
            .GetOrAdd((timeout, breakDuration, timeProvider), static (k, s) => new SecondLevelGuard(s.Level, k.Item1, k.Item2, k.Item3, s.Logger), (Level: level, Logger: logger));

    /// <summary>The guard of a cache directory, shared by every session that uses it.</summary>
    public static SecondLevelGuard ForDirectory(string directory, string level, TimeSpan timeout, TimeSpan breakDuration, TimeProvider timeProvider, ILogger logger) =>
        s_byDirectory.GetOrAdd((directory, timeout, breakDuration, timeProvider), static (k, s) => new SecondLevelGuard(s.Level, k.Item2, k.Item3, k.Item4, s.Logger), (Level: level, Logger: logger));

    /// <summary>
    /// Runs one cache operation within the timeout, unless the circuit is open.
    /// </summary>
    /// <exception cref="BrokenCircuitException">The circuit is open: the cache is skipped without trying it.</exception>
    /// <exception cref="TimeoutRejectedException">The cache did not answer in time.</exception>
    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken) =>
        await _pipeline.ExecuteAsync(
            static async (op, ct) => await Bounded(op(ct), ct).ConfigureAwait(false),
            operation,
            cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Runs a write in the background, within the timeout and the circuit. The returned task never faults (failures
    /// go to <paramref name="onFailure"/>, which must not throw either); it completes when the write is done or dropped.
    /// </summary>
    public Task RunInBackground(Func<CancellationToken, Task> write, Action<Exception> onFailure)
    {
        if (Interlocked.Increment(ref _backgroundCount) > MaxBackgroundWrites)
        {
            Interlocked.Decrement(ref _backgroundCount);
            Safe(onFailure, new InvalidOperationException($"More than {MaxBackgroundWrites} writes to the {Level} cache are in flight; this one is dropped."));
            return Task.CompletedTask;
        }

        var task = Task.Run(async () =>
        {
            try
            {
                await RunAsync(async ct => { await write(ct).ConfigureAwait(false); return true; }, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Safe(onFailure, ex);
            }
            finally
            {
                Interlocked.Decrement(ref _backgroundCount);
            }
        });
        _background.TryAdd(task, 0);
        _ = task.ContinueWith(static (t, s) => ((ConcurrentDictionary<Task, byte>)s!).TryRemove(t, out _), _background, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return task;
    }

    /// <summary>Completes when the background writes started so far are done (tests wait for them).</summary>
    internal Task WhenIdleAsync() => Task.WhenAll(_background.Keys);

    private static async Task<T> Bounded<T>(Task<T> operation, CancellationToken cancellationToken)
    {
        try
        {
            return await operation.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !operation.IsCompleted)
        {
            // Abandoned: its late failure must not surface as an unobserved task exception.
            _ = operation.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }
    }

    /// <summary>A throwing logger must not turn the circuit's bookkeeping into a failure of the cache call (or a release).</summary>
    private static void Quietly(Action report)
    {
        try
        {
            report();
        }
        catch (Exception)
        {
            // Best effort: the call and the circuit's state matter, the log line does not.
        }
    }

    private static void Safe(Action<Exception> onFailure, Exception ex)
    {
        try
        {
            onFailure(ex);
        }
        catch (Exception)
        {
            // A logger that throws must not turn a dropped write into an unobserved exception.
        }
    }
}
