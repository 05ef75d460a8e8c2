namespace AssumeRole.Extensions.Sts;

/// <summary>
/// Marks the current thread as running a refresh for a sync caller that has to wait for it anyway
/// (<c>GetCredentials()</c> with nothing usable cached). Within the scope the SDK gateway makes blocking STS calls
/// (the SDK's synchronous HTTP path) on this thread, so that the refresh completes without a single thread-pool
/// continuation: on a starved pool, a refresh that needs one waits behind the very callers that wait for it.
/// </summary>
/// <remarks>
/// Thread-static on purpose, not an <see cref="AsyncLocal{T}"/>: only code that runs synchronously on this thread may
/// block. If any step does go asynchronous (a transient retry's delay, an MFA prompt, a second-level cache), the
/// rest of the refresh continues on the pool with ordinary async calls, as before.
/// </remarks>
internal static class SynchronousFetch
{
    [ThreadStatic]
    private static TimeSpan? t_requestTimeout;

    /// <summary>The bound of one blocking STS request when this thread may block, else <see langword="null"/>.</summary>
    public static TimeSpan? RequestTimeout => t_requestTimeout;

    /// <summary>Lets this thread block on STS requests of at most <paramref name="requestTimeout"/> until the scope is disposed.</summary>
    public static Scope Enter(TimeSpan requestTimeout)
    {
        var previous = t_requestTimeout;
        t_requestTimeout = requestTimeout;
        return new Scope(previous);
    }

    /// <summary>Restores the thread's previous state (scopes nest: a chained hop refreshes its source inline too).</summary>
    public readonly struct Scope(TimeSpan? previous) : IDisposable
    {
        public void Dispose() => t_requestTimeout = previous;
    }
}
