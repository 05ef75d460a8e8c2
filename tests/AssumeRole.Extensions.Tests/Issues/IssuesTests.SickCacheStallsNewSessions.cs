using AssumeRole.Extensions.Tests.Fakes;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Second-level reads had no timeout: with Redis paused a cold caller waited as long as Redis did (11 s for
/// <c>DEBUG SLEEP 12</c>), and with Redis killed every new session waited 5–11 s before STS was called. Reads and writes
/// now have a timeout and a circuit breaker shared by every session on the cache, and writes never delay a caller.
/// Here the cache never answers; time is the fake clock's (the real redis-server is in the integration tests).
/// </summary>
public sealed class IssuesTestsSickCacheStallsNewSessions
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(250);

    private readonly TestEngine _engine = new();
    private readonly HangingCache _cache = new();
    private readonly IDataProtectionProvider _keyRing = new EphemeralDataProtectionProvider();

    private static string Role(int i) => $"arn:aws:iam::123456789012:role/Tenant{i}";

    [Fact]
    public async Task GetCredentials_CacheNeverAnswers_CallerWaitsOneTimeoutThenGetsStsCredentials()
    {
        using var provider = Create(1);

        var call = provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        Assert.True(SpinWait.SpinUntil(() => _cache.Reads == 1, TimeSpan.FromSeconds(30)), "the cache was never read");
        Assert.False(call.IsCompleted);
        _engine.Time.Advance(Timeout);

        Assert.NotNull(await call.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        Assert.Equal(1, _engine.Sts.CallCount);
    }

    [Fact]
    public async Task GetCredentials_CacheNeverAnswers_CircuitOpensAndLaterSessionsSkipItWithoutWaiting()
    {
        // Two timeouts open the circuit (Polly needs two results to judge).
        var first = new List<AssumeRoleCredentials>();
        for (var i = 1; i <= 2; i++)
        {
            var provider = Create(i);
            first.Add(provider);
            var call = provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
            Assert.True(SpinWait.SpinUntil(() => _cache.Reads == i, TimeSpan.FromSeconds(30)), $"read {i} never started");
            await AdvanceUntilDoneAsync(call);
        }

        // (The first session's write timed out with the second read; the second's was skipped.)
        foreach (var provider in first)
        {
            await TestEngine.WhenStoredAsync(provider);
            provider.Dispose();
        }

        // Ten more new sessions: none reads the cache, none waits for the fake clock.
        for (var i = 3; i <= 12; i++)
        {
            using var provider = Create(i);
            await provider.GetCredentialsAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            await TestEngine.WhenStoredAsync(provider);
        }

        Assert.Equal(2, _cache.Reads);
        Assert.Equal(12, _engine.Sts.CallCount);

        // After the break, one caller probes the cache again (one timeout), and the circuit opens again.
        _engine.Time.Advance(AssumeRoleDefaults.SecondLevelCacheBreakDuration + TimeSpan.FromSeconds(1));
        using var probe = Create(13);
        var probing = probe.GetCredentialsAsync(TestContext.Current.CancellationToken);
        Assert.True(SpinWait.SpinUntil(() => _cache.Reads == 3, TimeSpan.FromSeconds(30)), "no half-open probe");
        await AdvanceUntilDoneAsync(probing);
        using var after = Create(14);
        await after.GetCredentialsAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(3, _cache.Reads);
    }

    /// <summary>
    /// Advances the fake clock by the cache timeout until <paramref name="call"/> ends (bounded by real time): the read
    /// has started when the fake cache counts it, but its timeout may be armed on the fake clock a moment later, and a
    /// single jump made before that would never fire it.
    /// </summary>
    private async Task AdvanceUntilDoneAsync(Task call)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!call.IsCompleted && watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            _engine.Time.Advance(Timeout);
            await Task.WhenAny(call, Task.Delay(TimeSpan.FromMilliseconds(100), TestContext.Current.CancellationToken));
        }

        await call.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task GetCredentials_CacheWritesNeverAnswer_CallerDoesNotWaitForTheWrite()
    {
        _cache.AnswerReads = true;
        using var provider = Create(1);

        // The read misses at once; the write hangs, in the background: the caller has its credentials meanwhile.
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.True(SpinWait.SpinUntil(() => _cache.Writes == 1, TimeSpan.FromSeconds(30)), "the write never started");

        // It ends at its timeout, observed (logged, not an unobserved task exception).
        _engine.Time.Advance(Timeout);
        await TestEngine.WhenStoredAsync(provider);
    }

    private AssumeRoleCredentials Create(int tenant) => _engine.Create(o =>
    {
        o.RoleArn = Role(tenant);
        o.DistributedCache = _cache;
        o.DataProtectionProvider = _keyRing;
    });

    /// <summary>A cache that never completes a call (a paused Redis): reads hang unless <see cref="AnswerReads"/>.</summary>
    private sealed class HangingCache : IDistributedCache
    {
        private int _reads;
        private int _writes;

        public bool AnswerReads { get; set; }

        public int Reads => Volatile.Read(ref _reads);

        public int Writes => Volatile.Read(ref _writes);

        public byte[]? Get(string key) => throw new NotSupportedException();

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default)
        {
            Interlocked.Increment(ref _reads);
            return AnswerReads ? Task.FromResult<byte[]?>(null) : new TaskCompletionSource<byte[]?>().Task;
        }

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new NotSupportedException();

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
        {
            Interlocked.Increment(ref _writes);
            return new TaskCompletionSource().Task;
        }

        public void Refresh(string key) => throw new NotSupportedException();

        public Task RefreshAsync(string key, CancellationToken token = default) => throw new NotSupportedException();

        public void Remove(string key) => throw new NotSupportedException();

        public Task RemoveAsync(string key, CancellationToken token = default) => throw new NotSupportedException();
    }
}
