using System.Collections.Concurrent;
using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Sts;

namespace AssumeRole.Extensions.Caching;

/// <summary>
/// STS's clock as this process knows it, per STS endpoint: the <c>Date</c> of the latest STS response, carried forward
/// on the engine's monotonic clock. A session read back from a second-level cache is laid on it (time left =
/// Expiration − STS's now), so neither this machine's wall clock nor the writer's clock matters.
/// </summary>
/// <remarks>
/// Learned for free from every STS response a second-level-cached session gets. A process that has none yet (a fresh
/// process that finds everything in the cache) asks once per endpoint with <c>GetCallerIdentity</c>, which needs no
/// permission; concurrent readers share that one call. The estimate errs late by at most the response's latency and
/// early by at most <see cref="DateResolution"/>: <c>Date</c> has whole seconds and is stamped before the response
/// leaves STS, so it is never ahead of STS's clock.
/// </remarks>
internal sealed class StsClock
{
    /// <summary>Added to a sampled Date: the header truncates to the second, so STS's clock may be up to 1 s ahead of it.</summary>
    public static readonly TimeSpan DateResolution = TimeSpan.FromSeconds(1);

    private readonly EngineClock _clock;
    private readonly ConcurrentDictionary<StsEndpoint, Sample> _samples = new();
    // Lazy: ConcurrentDictionary may run a factory more than once for concurrent first readers; one call is the point.
    private readonly ConcurrentDictionary<(StsEndpoint, object), Lazy<Task<DateTimeOffset>>> _probes = new();

    public StsClock(EngineClock clock) => _clock = clock;

    /// <summary>Records the Date of a response from <paramref name="endpoint"/> received just now.</summary>
    public void Observe(StsEndpoint endpoint, DateTimeOffset? serverDate)
    {
        if (serverDate is { } date)
        {
            _samples[endpoint] = new Sample(date, _clock.NowMs);
        }
    }

    /// <summary>STS's current time at <paramref name="endpoint"/>, when a response from it has been seen.</summary>
    public bool TryGetNow(StsEndpoint endpoint, out DateTimeOffset now)
    {
        if (_samples.TryGetValue(endpoint, out var sample))
        {
            now = sample.Date + DateResolution + TimeSpan.FromMilliseconds(_clock.NowMs - sample.ReceivedAtMs);
            return true;
        }

        now = default;
        return false;
    }

    /// <summary>
    /// STS's current time at <paramref name="endpoint"/>, asking it with <paramref name="probe"/> (bounded by
    /// <paramref name="timeout"/>) when no response was seen yet. Concurrent callers whose probe signs as the same
    /// <paramref name="signer"/> share one call; callers with different signers never wait for each other's, since a
    /// signer may be one of our own sessions that is itself waiting for STS's clock.
    /// </summary>
    /// <exception cref="InvalidOperationException">The probe's response carried no Date.</exception>
    public async Task<DateTimeOffset> GetNowAsync(StsEndpoint endpoint, object signer, Func<CancellationToken, Task<CallerIdentity>> probe, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (TryGetNow(endpoint, out var now))
        {
            return now;
        }

        var lazy = _probes.GetOrAdd((endpoint, signer), k => new Lazy<Task<DateTimeOffset>>(() => ProbeAsync(k.Item1, probe, timeout)));
        var shared = lazy.Value;
        try
        {
            return await shared.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (shared.IsCompleted)
            {
                // A failed probe is not remembered: the next reader asks again. A successful one left a sample.
                _probes.TryRemove(new KeyValuePair<(StsEndpoint, object), Lazy<Task<DateTimeOffset>>>((endpoint, signer), lazy));
            }
        }
    }

    private async Task<DateTimeOffset> ProbeAsync(StsEndpoint endpoint, Func<CancellationToken, Task<CallerIdentity>> probe, TimeSpan timeout)
    {
        // Not the first reader's token: others share this call. The timeout bounds it for all of them.
        using var cts = new CancellationTokenSource(timeout);
        var identity = await probe(cts.Token).WaitAsync(cts.Token).ConfigureAwait(false);
        Observe(endpoint, identity.ServerDate);
        return TryGetNow(endpoint, out var now)
            ? now
            : throw new InvalidOperationException("STS's GetCallerIdentity response carried no Date header.");
    }

    private sealed record Sample(DateTimeOffset Date, long ReceivedAtMs);
}
