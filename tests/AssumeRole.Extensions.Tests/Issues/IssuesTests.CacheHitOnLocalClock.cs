using AssumeRole.Extensions.Tests.Fakes;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// A session read back from a second-level cache was laid on the reader's wall clock (the entry had no issue time), so
/// a node whose clock was 10 minutes slow served it 10 minutes past its real expiry. Entries now carry their issue
/// time on STS's clock, and the reader lays what is left on STS's clock (learned from STS's Date headers) carried
/// forward on its monotonic clock.
/// </summary>
public sealed class IssuesTestsCacheHitOnLocalClock : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "assume-role-skew-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("file", -10)]
    [InlineData("file", 10)]
    [InlineData("distributed", -10)]
    [InlineData("distributed", 10)]
    public async Task CacheHit_ReaderClockSkewed_LaysTheTimeLeftOnStsClock(string level, int readerSkewMinutes)
    {
        // Process A (and STS) on one clock; process B's wall clock is off by readerSkewMinutes. Both advance together.
        var processA = new TestEngine();
        var skewedClock = new FakeTimeProvider(processA.Time.GetUtcNow().AddMinutes(readerSkewMinutes));
        var processB = new TestEngine(time: skewedClock, sts: processA.Sts);
        var cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        var keyRing = new EphemeralDataProtectionProvider();
        void Configure(AssumeRoleOptions o)
        {
            if (level == "file")
            {
                o.FileCacheDirectory = _directory;
            }
            else
            {
                o.DistributedCache = cache;
                o.DataProtectionProvider = keyRing;
            }
        }

        using var a = processA.Create(Configure);
        await a.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(a);

        // 20 of the session's 60 minutes pass: 40 are left, whatever B's wall clock says.
        processA.Time.Advance(TimeSpan.FromMinutes(20));
        skewedClock.Advance(TimeSpan.FromMinutes(20));
        using var b = processB.Create(Configure);
        await b.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(b);

        Assert.Equal(1, processA.Sts.CallCount);
        var left = TimeSpan.FromMilliseconds(b.Session.State!.ExpiresAtMs - b.Session.Clock.NowMs);

        // STS's Date has whole seconds and StsClock rounds towards less time left, so up to 2 s less, never more.
        Assert.InRange(left, TimeSpan.FromMinutes(40) - TimeSpan.FromSeconds(3), TimeSpan.FromMinutes(40));
    }

    [Fact]
    public async Task CacheHit_ReaderClockSlowAndEntryPastItsRefreshPoint_IsNotServed()
    {
        var processA = new TestEngine();
        var slowClock = new FakeTimeProvider(processA.Time.GetUtcNow().AddMinutes(-10));
        var processB = new TestEngine(time: slowClock, sts: processA.Sts);
        using (var a = processA.Create(o => o.FileCacheDirectory = _directory))
        {
            await a.GetCredentialsAsync(TestContext.Current.CancellationToken);
            await TestEngine.WhenStoredAsync(a);
        }

        // 48 minutes on: 12 are left, inside the refresh window (15 min + up to 3 min of jitter + 1 min); B's slow
        // clock would say 22.
        processA.Time.Advance(TimeSpan.FromMinutes(48));
        slowClock.Advance(TimeSpan.FromMinutes(48));
        using var b = processB.Create(o => o.FileCacheDirectory = _directory);
        await b.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(b);

        Assert.Equal(2, processA.Sts.CallCount);
    }
}
