namespace AssumeRole.Extensions;

/// <summary>
/// Lets the processes of a fleet that share <see cref="AssumeRoleOptions.DistributedCache"/> agree on which one calls
/// STS when a session is missing or due for refresh, so a fleet makes one AssumeRole call per role per session
/// lifetime even when all of it starts at once. The package <c>AssumeRole.Extensions.StackExchangeRedis</c> implements
/// it on Redis (<c>SET NX PX</c> leases and a pub/sub wake-up).
/// </summary>
/// <remarks>
/// <para>
/// The protocol, run by the library for a session that none of its caches holds: take the lease on the session's key;
/// the holder calls STS, writes the session to the distributed cache, then releases the lease; the others wait for the
/// release (bounded by <see cref="LeaseTime"/>) and read the cache. A holder that crashes leaves a lease that expires
/// after <see cref="LeaseTime"/>, after which another process takes it. If the coordinator fails or times out, the
/// process calls STS itself: coordination saves STS calls, it is never needed to get credentials.
/// </para>
/// <para>
/// Keys are hex digests that name no role or principal. Implementations must be safe for concurrent use.
/// </para>
/// </remarks>
public interface IFleetCoordinator
{
    /// <summary>Gets how long a lease lasts unless released: the longest a waiting process waits for a holder that crashed.</summary>
    TimeSpan LeaseTime { get; }

    /// <summary>Tries to take the lease on <paramref name="key"/> for <see cref="LeaseTime"/>.</summary>
    /// <param name="key">The session's fleet-wide key.</param>
    /// <param name="holder">A value unique to this attempt; only it can release the lease.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns><see langword="true"/> when this process now holds the lease; <see langword="false"/> when another does.</returns>
    Task<bool> TryAcquireAsync(string key, string holder, CancellationToken cancellationToken);

    /// <summary>Releases the lease if <paramref name="holder"/> still holds it, and wakes the processes waiting for it.</summary>
    /// <param name="key">The session's fleet-wide key.</param>
    /// <param name="holder">The value the lease was taken with.</param>
    /// <param name="cancellationToken">Cancels the release (the lease then expires by itself).</param>
    /// <returns>A task that completes when the lease is released.</returns>
    Task ReleaseAsync(string key, string holder, CancellationToken cancellationToken);

    /// <summary>Waits until the lease on <paramref name="key"/> is released or has expired, or <paramref name="timeout"/> passes.</summary>
    /// <param name="key">The session's fleet-wide key.</param>
    /// <param name="timeout">The longest wait.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns><see langword="true"/> when no process holds the lease any more; <see langword="false"/> on timeout.</returns>
    Task<bool> WaitForReleaseAsync(string key, TimeSpan timeout, CancellationToken cancellationToken);
}
