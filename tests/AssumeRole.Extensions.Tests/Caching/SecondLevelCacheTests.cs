using System.Text;
using System.Text.Json;
using AssumeRole.Extensions.Caching;
using AssumeRole.Extensions.Tests.Fakes;
using Amazon.Runtime;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace AssumeRole.Extensions.Tests.Caching;

public sealed class SecondLevelCacheTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "assume-role-tests-" + Guid.NewGuid().ToString("N"));
    private readonly TestEngine _processA = new();
    private readonly TestEngine _processB;

    public SecondLevelCacheTests()
    {
        // Two "processes": separate session caches, one STS and one clock.
        _processB = new TestEngine(time: _processA.Time, sts: _processA.Sts);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task FileCache_SecondProcess_ReadsTheFileInsteadOfCallingSts()
    {
        using var a = _processA.Create(o => o.FileCacheDirectory = _directory);
        var fromSts = await a.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(a);

        using var b = _processB.Create(o => o.FileCacheDirectory = _directory);
        var fromFile = await b.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, _processA.Sts.CallCount);
        Assert.Equal(fromSts.AccessKey, fromFile.AccessKey);
        Assert.Equal(fromSts.SecretKey, fromFile.SecretKey);
        Assert.Equal(fromSts.Token, fromFile.Token);
        Assert.Equal(a.AssumedRoleArn, b.AssumedRoleArn);
    }

    [Fact]
    public async Task FileCache_File_IsAwsCliFormatWithOwnerOnlyMode()
    {
        using var a = _processA.Create(o => o.FileCacheDirectory = _directory);
        var credentials = await a.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(a);

        var file = Assert.Single(Directory.GetFiles(_directory));
        using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken));
        var c = json.RootElement.GetProperty("Credentials");

        Assert.Equal(credentials.AccessKey, c.GetProperty("AccessKeyId").GetString());
        Assert.Equal(credentials.Token, c.GetProperty("SessionToken").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", c.GetProperty("Expiration").GetString());
        Assert.Equal(a.AssumedRoleArn, json.RootElement.GetProperty("AssumedRoleUser").GetProperty("Arn").GetString());
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_directory));
        }
    }

    [Fact]
    public async Task FileCache_EntryTooCloseToExpiry_IsIgnoredAndStsIsCalled()
    {
        using (var a = _processA.Create(o => o.FileCacheDirectory = _directory))
        {
            await a.GetCredentialsAsync(TestContext.Current.CancellationToken);
            await TestEngine.WhenStoredAsync(a);
        }

        // 56 of 60 minutes gone: 4 minutes left is inside the refresh window the copy would get (5 min advisory
        // + jitter + 1 min mandatory), so it would be due for refresh at once.
        _processA.Time.Advance(TimeSpan.FromMinutes(56));
        using var b = _processB.Create(o => o.FileCacheDirectory = _directory);
        await b.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(b);

        Assert.Equal(2, _processA.Sts.CallCount);
    }

    [Fact]
    public async Task FileCache_CorruptFile_IsAMissNotAnError()
    {
        using (var a = _processA.Create(o => o.FileCacheDirectory = _directory))
        {
            await a.GetCredentialsAsync(TestContext.Current.CancellationToken);
            await TestEngine.WhenStoredAsync(a);
        }

        await File.WriteAllTextAsync(Directory.GetFiles(_directory)[0], "{ not json", TestContext.Current.CancellationToken);
        using var b = _processB.Create(o => o.FileCacheDirectory = _directory);

        Assert.NotNull(await b.GetCredentialsAsync(TestContext.Current.CancellationToken));
        await TestEngine.WhenStoredAsync(b);
        Assert.Equal(2, _processA.Sts.CallCount);
    }

    [Fact]
    public async Task FileCache_DifferentSourcePrincipal_NeverReadsAnothersFile()
    {
        using var a = _processA.Create(o => o.FileCacheDirectory = _directory, TestEngine.Source("AKIAEXAMPLESOURCEAA"));
        await a.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(a);

        using var b = _processB.Create(o => o.FileCacheDirectory = _directory, TestEngine.Source("AKIAEXAMPLESOURCEBB"));
        await b.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(b);

        Assert.Equal(2, _processA.Sts.CallCount);
        Assert.Equal(2, Directory.GetFiles(_directory).Length);
    }

    [Fact]
    public async Task DistributedCache_SecondProcess_ReadsSealedEntryInsteadOfCallingSts()
    {
        var cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        var protection = new EphemeralDataProtectionProvider();
        using var a = _processA.Create(o => { o.DistributedCache = cache; o.DataProtectionProvider = protection; });
        var fromSts = await a.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(a);

        using var b = _processB.Create(o => { o.DistributedCache = cache; o.DataProtectionProvider = protection; });
        var fromCache = await b.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, _processA.Sts.CallCount);
        Assert.Equal(fromSts.SecretKey, fromCache.SecretKey);
        var stored = await cache.GetAsync(DistributedSessionCache.CacheKeyOf(a.Session.Fetcher is CachedSessionFetcher f ? (await f.TryGetKeyAsync(default))! : ""), TestContext.Current.CancellationToken);
        Assert.NotNull(stored);
        var text = Encoding.UTF8.GetString(stored!);
        Assert.DoesNotContain(fromSts.SecretKey, text);
        Assert.DoesNotContain(fromSts.AccessKey, text);
    }

    [Theory]
    [InlineData(-400)]
    [InlineData(400)]
    public async Task DistributedCache_EngineClockFarFromCacheClock_EntryLivesTheSessionsLifetimeOnTheCachesClock(int daysOff)
    {
        // The cache reads its own clock (at the real now), the engine a clock 400 days away (a fake clock in a test,
        // a node whose clock is wrong). A lifetime given as an absolute time on the engine's clock would be refused
        // (engine behind) or kept for 400 days (engine ahead); a relative one means the same on both.
        var cacheClock = new FakeTimeProvider(TestEngine.RealNow());
        var cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions { Clock = new ClockOf(cacheClock) }));
        var time = new FakeTimeProvider(TestEngine.RealNow().AddDays(daysOff));
        var processA = new TestEngine(time: time);
        var processB = new TestEngine(time: time, sts: processA.Sts);
        var protection = new EphemeralDataProtectionProvider();
        using var a = processA.Create(o => { o.DistributedCache = cache; o.DataProtectionProvider = protection; });
        var fromSts = await a.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(a);
        var key = DistributedSessionCache.CacheKeyOf((await ((CachedSessionFetcher)a.Session.Fetcher).TryGetKeyAsync(default))!);

        using var b = processB.Create(o => { o.DistributedCache = cache; o.DataProtectionProvider = protection; });
        var fromCache = await b.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, processA.Sts.CallCount);
        Assert.Equal(fromSts.SecretKey, fromCache.SecretKey);

        // One-hour session, 1-minute mandatory window: on the cache's clock the entry lives 59 minutes (less the second
        // StsClock allows for the Date header's resolution), no longer.
        cacheClock.Advance(TimeSpan.FromMinutes(59) - StsClock.DateResolution - TimeSpan.FromSeconds(1));
        Assert.NotNull(await cache.GetAsync(key, TestContext.Current.CancellationToken));
        cacheClock.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(await cache.GetAsync(key, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task DistributedCache_Write_LifetimeRelativeToNowOnTheIssuersClock()
    {
        // STS's clock is 10 minutes ahead of ours: the entry still lives for the session's lifetime less the
        // mandatory window, measured from the response's Date, not from our clock.
        _processA.Sts.ServerClockOffset = TimeSpan.FromMinutes(10);
        var written = new List<DistributedCacheEntryOptions>();
        var cache = new Mock<IDistributedCache>();
        cache.Setup(c => c.SetAsync(It.IsAny<string>(), It.IsAny<byte[]>(), It.IsAny<DistributedCacheEntryOptions>(), It.IsAny<CancellationToken>()))
            .Callback<string, byte[], DistributedCacheEntryOptions, CancellationToken>((_, _, options, _) => written.Add(options))
            .Returns(Task.CompletedTask);
        using var a = _processA.Create(o =>
        {
            o.DistributedCache = cache.Object;
            o.DataProtectionProvider = new EphemeralDataProtectionProvider();
            o.MandatoryRefreshWindow = TimeSpan.FromMinutes(2);
        });

        await a.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(a);

        var options = Assert.Single(written);
        Assert.Null(options.AbsoluteExpiration);
        // 60 min − 2 min, less the second a Date header may lag STS's clock (StsClock errs towards shorter).
        Assert.Equal(TimeSpan.FromMinutes(58) - StsClock.DateResolution, options.AbsoluteExpirationRelativeToNow);
    }

    [Fact]
    public async Task DistributedCache_ForeignKeyRing_IsAMiss()
    {
        var cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        using var a = _processA.Create(o => { o.DistributedCache = cache; o.DataProtectionProvider = new EphemeralDataProtectionProvider(); });
        await a.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(a);

        using var b = _processB.Create(o => { o.DistributedCache = cache; o.DataProtectionProvider = new EphemeralDataProtectionProvider(); });
        await b.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, _processA.Sts.CallCount);
    }

    [Fact]
    public async Task DistributedCache_Failing_IsLoggedAndStsStillServes()
    {
        var broken = new Moq.Mock<IDistributedCache>();
        broken.Setup(c => c.GetAsync(Moq.It.IsAny<string>(), Moq.It.IsAny<CancellationToken>())).ThrowsAsync(new TimeoutException("redis down"));
        broken.Setup(c => c.SetAsync(Moq.It.IsAny<string>(), Moq.It.IsAny<byte[]>(), Moq.It.IsAny<DistributedCacheEntryOptions>(), Moq.It.IsAny<CancellationToken>())).ThrowsAsync(new TimeoutException("redis down"));
        using var a = _processA.Create(o => { o.DistributedCache = broken.Object; o.DataProtectionProvider = new EphemeralDataProtectionProvider(); });

        Assert.NotNull(await a.GetCredentialsAsync(TestContext.Current.CancellationToken));
        Assert.Equal(1, _processA.Sts.CallCount);
    }

    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 2)]
    public async Task DistributedCache_RefreshingSource_KeyedBySessionUnlessSharedAcrossSourceSessions(bool share, int assumeRoleCalls)
    {
        var cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        var protection = new EphemeralDataProtectionProvider();

        // Two instances of one instance role: different session names, same role, separate credential objects.
        // Shared only when the registration says the role's sessions are interchangeable.
        var sourceA = new RefreshingSource();
        var sourceB = new RefreshingSource();
        using var a = _processA.Create(o => { o.DistributedCache = cache; o.DataProtectionProvider = protection; o.ShareSessionsAcrossSourceSessions = share; }, sourceA);
        await a.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(a);
        _processA.Sts.CallerArn = "arn:aws:sts::123456789012:assumed-role/Source/i-0fedcba987654321";
        using var b = _processB.Create(o => { o.DistributedCache = cache; o.DataProtectionProvider = protection; o.ShareSessionsAcrossSourceSessions = share; }, sourceB);
        await b.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.Equal(assumeRoleCalls, _processA.Sts.CallCount);
        Assert.Equal(2, _processA.Sts.CallerIdentityCalls);
    }

    [Fact]
    public void Validate_DistributedCacheWithoutProtection_IsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => _processA.Create(o => o.DistributedCache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()))));

        Assert.Contains("DistributedCache requires DataProtectionProvider", ex.Message);
    }

    [Theory]
    [InlineData("arn:aws:sts::123456789012:assumed-role/Role/session-1", "arn:aws:sts::123456789012:assumed-role/Role")]
    [InlineData("arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:user/alice")]
    public void WithoutSessionName_AssumedRoleArn_DropsOnlyTheSessionName(string arn, string expected) =>
        Assert.Equal(expected, StablePrincipal.WithoutSessionName(arn));

    /// <summary>MemoryCacheOptions.Clock takes the ISystemClock abstraction; there is no TimeProvider overload.</summary>
    private sealed class ClockOf(TimeProvider time) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }

    private sealed class RefreshingSource : AWSCredentials
    {
        public override ImmutableCredentials GetCredentials() => new("ASIAREFRESHINGSOURCE", "s", "t");
    }
}
