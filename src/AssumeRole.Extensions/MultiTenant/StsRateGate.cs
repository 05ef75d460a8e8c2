using System.Threading.RateLimiting;

namespace AssumeRole.Extensions.MultiTenant;

/// <summary>
/// At most N STS calls start in any window of one second: a <see cref="ConcurrencyLimiter"/> of N permits, each held
/// from a call's start until one window later on the <see cref="TimeProvider"/> clock (a sliding window). The BCL's
/// replenishing limiters measure time with their own clock, which tests cannot drive; this one runs on TimeProvider,
/// and since permits return by time alone, a call that waits on another (a chained source refreshing) cannot deadlock.
/// </summary>
internal sealed class StsRateGate : IDisposable
{
    private readonly ConcurrencyLimiter _limiter;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _window;

    public StsRateGate(int callsPerWindow, int queueLimit, TimeSpan window, TimeProvider timeProvider)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(callsPerWindow, 1);
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = callsPerWindow,
            QueueLimit = queueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _timeProvider = timeProvider;
        _window = window;
        QueueLimit = queueLimit;
    }

    public int QueueLimit { get; }

    /// <summary>Waits for a slot; <see langword="false"/> when the queue is full.</summary>
    public async ValueTask<bool> WaitAsync(CancellationToken cancellationToken)
    {
        var lease = await _limiter.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            return false;
        }

        _ = ReleaseAfterWindowAsync(lease);
        return true;
    }

    public void Dispose() => _limiter.Dispose();

    private async Task ReleaseAfterWindowAsync(RateLimitLease lease)
    {
        try
        {
            await Task.Delay(_window, _timeProvider).ConfigureAwait(false);
        }
        finally
        {
            lease.Dispose();
        }
    }
}
