using System.Collections.Concurrent;

namespace AssumeRole.Extensions.Caching;

/// <summary>
/// Bounds the blocking file calls on one cache directory, per process. A file call runs on the thread pool so that the
/// guard's timeout bounds the caller, but a call that never returns (a hung NFS or FUSE file system) keeps its pool
/// thread until it does: without a bound, every concurrent cold caller and every half-open probe of the circuit would
/// start one more. So at most <see cref="MaxConcurrentCalls"/> run at once (more wait for a slot, within the caller's
/// timeout), and while a call the timeout abandoned has not returned, new calls fail at once without starting another
/// (a cache failure, like a timeout, which the circuit counts).
/// </summary>
internal sealed class FileCallGate
{
    /// <summary>File calls on one directory that may block a pool thread at the same time.</summary>
    public const int MaxConcurrentCalls = 2;

    private static readonly ConcurrentDictionary<string, FileCallGate> s_byDirectory = new(StringComparer.Ordinal);

    private readonly SemaphoreSlim _slots = new(MaxConcurrentCalls, MaxConcurrentCalls);
    private int _abandoned;

    /// <summary>The gate of <paramref name="directory"/>, shared by every cache on it in this process.</summary>
    public static FileCallGate For(string directory) => s_byDirectory.GetOrAdd(directory, static _ => new());

    /// <summary>
    /// Runs <paramref name="call"/> on the thread pool once a slot is free. Cancelling <paramref name="cancellationToken"/>
    /// (the guard's timeout) abandons the call, which keeps its slot until it returns.
    /// </summary>
    /// <exception cref="IOException">An abandoned call on this directory has not returned: nothing was started.</exception>
    public async Task<T> RunAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        ThrowIfHung();
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        Task<T> task;
        try
        {
            // A slot may have been freed by a call that was abandoned while this one waited.
            ThrowIfHung();

            // Not cancellable before it starts: the slot is given back only by the call itself.
            task = Task.Run(
                async () =>
                {
                    try
                    {
                        return await call().ConfigureAwait(false);
                    }
                    finally
                    {
                        _slots.Release();
                    }
                },
                CancellationToken.None);
        }
        catch
        {
            _slots.Release();
            throw;
        }

        try
        {
            return await task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !task.IsCompleted)
        {
            Interlocked.Increment(ref _abandoned);

            // Runs at once if the call returned meanwhile; also observes its late failure.
            _ = task.ContinueWith(
                static (t, state) =>
                {
                    _ = t.Exception;
                    Interlocked.Decrement(ref ((FileCallGate)state!)._abandoned);
                },
                this,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            throw;
        }
    }

    private void ThrowIfHung()
    {
        if (Volatile.Read(ref _abandoned) > 0)
        {
            throw new IOException("An earlier call on the session cache directory has not returned (the file system may be hung): the file cache is skipped.");
        }
    }
}
