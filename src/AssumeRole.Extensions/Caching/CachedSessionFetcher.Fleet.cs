using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Sts;

namespace AssumeRole.Extensions.Caching;

/// <content>
/// Fleet coordination (<see cref="IFleetCoordinator"/>): on a miss, one process takes the lease on the session's key
/// and calls STS; the others wait for it to release the lease and read what it wrote.
/// </content>
internal sealed partial class CachedSessionFetcher
{
    private async Task<StsCredentials> FetchCoordinatedAsync(string key, CancellationToken cancellationToken)
    {
        var coordinator = _l2.Coordinator!;
        var guard = _l2.CoordinatorGuard!;
        var holder = Guid.NewGuid().ToString("N");
        var time = _l2.TimeProvider;
        var started = time.GetTimestamp();

        // Bounded: a holder that crashed leaves a lease that expires after LeaseTime, so two lease times are enough
        // to take it over; then this process calls STS itself.
        var bound = 2 * coordinator.LeaseTime;
        while (time.GetElapsedTime(started) < bound)
        {
            bool acquired;
            try
            {
                acquired = await guard.RunAsync(ct => coordinator.TryAcquireAsync(key, holder, ct), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // A sick coordinator: call STS without it (its circuit breaker skips it for a while).
                Quietly(() => _telemetry.CacheError(ex is Polly.CircuitBreaker.BrokenCircuitException ? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance : _logger, "fleet", "lease", RoleArn, ex));
                break;
            }

            if (acquired)
            {
                return await FetchAsHolderAsync(key, holder, started, cancellationToken).ConfigureAwait(false);
            }

            var wait = bound - time.GetElapsedTime(started);
            try
            {
                // Bounded twice: by the timeout we pass, and by WaitAsync in case the coordinator ignores it.
                await coordinator.WaitForReleaseAsync(key, wait, cancellationToken)
                    .WaitAsync(wait + guard.Timeout, time, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Quietly(() => _telemetry.CacheError(_logger, "fleet", "wait", RoleArn, ex));
                break;
            }

            if (await TryReadAsync(key, cancellationToken).ConfigureAwait(false) is { } written)
            {
                Quietly(() => Log.FleetLease(_logger, RoleArn, "read the holder's session", time.GetElapsedTime(started).TotalMilliseconds));
                return written;
            }

            // Released without a session (the holder's STS call failed) or expired (it crashed): try to take it.
        }

        Quietly(() => Log.FleetLease(_logger, RoleArn, "gave up waiting, calling STS", time.GetElapsedTime(started).TotalMilliseconds));
        return StoreInBackground(key, await _inner.FetchAsync(cancellationToken).ConfigureAwait(false), lease: null);
    }

    private async Task<StsCredentials> FetchAsHolderAsync(string key, string holder, long started, CancellationToken cancellationToken)
    {
        var time = _l2.TimeProvider;
        StsCredentials fetched;
        try
        {
            // A holder that finished between our read and our lease has written the session already.
            if (await TryReadAsync(key, cancellationToken).ConfigureAwait(false) is { } written)
            {
                Release(key, holder);
                Quietly(() => Log.FleetLease(_logger, RoleArn, "held the lease, found the session written", time.GetElapsedTime(started).TotalMilliseconds));
                return written;
            }

            fetched = await _inner.FetchAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Let the waiters try for themselves at once rather than after the lease expires.
            Release(key, holder);
            throw;
        }

        Quietly(() => Log.FleetLease(_logger, RoleArn, "held the lease, called STS", time.GetElapsedTime(started).TotalMilliseconds));
        return StoreInBackground(key, fetched, holder);
    }

    /// <summary>Releases the lease once the writes are done, so that the waiters it wakes find the session.</summary>
    private async Task ReleaseAfterAsync(List<Task> writes, string key, string holder)
    {
        try
        {
            await Task.WhenAll(writes).ConfigureAwait(false);
        }
        finally
        {
            // Whatever a write did, the waiters must not wait out the lease.
            await ReleaseAsync(key, holder).ConfigureAwait(false);
        }
    }

    private void Release(string key, string holder) => Volatile.Write(ref _background, ReleaseAsync(key, holder));

    /// <summary>Releases a lease; never throws (a lease that cannot be released expires by itself).</summary>
    private async Task ReleaseAsync(string key, string holder)
    {
        try
        {
            await _l2.CoordinatorGuard!.RunAsync(
                async ct =>
                {
                    await _l2.Coordinator!.ReleaseAsync(key, holder, ct).ConfigureAwait(false);
                    return true;
                },
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Quietly(() => _telemetry.CacheError(_logger, "fleet", "release", RoleArn, ex));
        }
    }
}
