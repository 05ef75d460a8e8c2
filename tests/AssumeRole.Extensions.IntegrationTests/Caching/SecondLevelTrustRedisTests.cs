using AssumeRole.Extensions.Caching;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Testing;
using Amazon.Runtime;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace AssumeRole.Extensions.IntegrationTests.Caching;

/// <summary>
/// Issue 11 items 1, 3 and 5 against a real redis-server and the STS emulator: "processes" are providers on separate
/// clocks (separate session caches) sharing one Redis and one STS.
/// </summary>
public sealed class SecondLevelTrustRedisTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private const string Hub = "arn:aws:iam::111111111111:role/Hub";
    private const string Spoke = "arn:aws:iam::222222222222:role/Spoke";
    private const string Worker = "arn:aws:iam::111111111111:role/fleet/Worker";

    private readonly IDataProtectionProvider _keyRing = new EphemeralDataProtectionProvider();
    private EmulatorFixture _sts = null!;
    private EmulatedUser _x = null!;
    private EmulatedUser _y = null!;
    private readonly string _instanceName = "trust-" + Guid.NewGuid().ToString("N") + ":";
    private RedisCache _cache = null!;

    public async ValueTask InitializeAsync()
    {
        _sts = await EmulatorFixture.StartAsync();
        _x = _sts.Emulator.AddUser("workload-x", "111111111111");
        _y = _sts.Emulator.AddUser("workload-y", "111111111111");
        _sts.Emulator.AddRole(Hub);
        _sts.Emulator.AddRole(Spoke, r => r.TrustPrincipal(Hub));
        _sts.Emulator.AddRole(Worker);
        _cache = new RedisCache(Microsoft.Extensions.Options.Options.Create(new RedisCacheOptions { Configuration = redis.Configuration, InstanceName = _instanceName }));
    }

    public async ValueTask DisposeAsync()
    {
        _cache.Dispose();
        await _sts.DisposeAsync();
    }

    [Fact]
    public async Task ChainedHopFromHubProvider_OtherPrincipalInOtherProcess_AssumesTheSpokeItself()
    {
        RequiresServer.Available(redis.UnavailableReason);

        // One refreshing source object in both "processes" (the same in-process id, as the same counter value in two
        // real processes), holding workload X's keys in A and workload Y's in B.
        var source = new SwitchingSource(_x);
        await AssumeSpokeAsync(source);
        source.User = _y;
        var inB = await AssumeSpokeAsync(source);

        Assert.Equal(2, _sts.Emulator.CountCalls("AssumeRole", Spoke));
        Assert.Equal(_y.Arn, _sts.Emulator.Calls.Last(c => c.Action == "AssumeRole" && c.RoleArn == Hub).CallerArn);
        Assert.Equal(_sts.Emulator.Calls.Last(c => c.Action == "AssumeRole" && c.RoleArn == Spoke).IssuedAccessKeyId, inB);
    }

    [Fact]
    public async Task SealedValueMovedToAnotherPrincipalsKey_FailsToOpenAndStsIsCalled()
    {
        RequiresServer.Available(redis.UnavailableReason);
        var (keyOfX, _) = await AssumeWorkerAsync(_x);
        var (keyOfY, accessKeyOfY) = await AssumeWorkerAsync(_y);

        // Someone with write access to Redis but not the key ring moves Y's sealed value under X's key.
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var db = connection.GetDatabase();
        await db.HashSetAsync(keyOfX, "data", await db.HashGetAsync(keyOfY, "data"));

        var (_, accessKeyOfX) = await AssumeWorkerAsync(_x);

        Assert.NotEqual(accessKeyOfY, accessKeyOfX);
        Assert.Equal(3, _sts.Emulator.CountCalls("AssumeRole", Worker));
    }

    [Theory]
    [InlineData(-10)]
    [InlineData(10)]
    public async Task CacheHit_ReaderClockSkewed_TimeLeftIsMeasuredOnStsClock(int readerSkewMinutes)
    {
        RequiresServer.Available(redis.UnavailableReason);
        await AssumeWorkerAsync(_x);

        // 10 of the session's 60 minutes pass on STS's clock; the reader's wall clock is off by readerSkewMinutes.
        // (Kept under STS's 15-minute signature window: the SDK signs with the machine's real clock.)
        _sts.Time.Advance(TimeSpan.FromMinutes(10));
        var readerClock = new FakeTimeProvider(_sts.Time.GetUtcNow().AddMinutes(readerSkewMinutes));
        using var reader = new AssumeRoleCredentials(Options(_x), readerClock, null);
        await reader.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, _sts.Emulator.CountCalls("AssumeRole", Worker));
        var left = TimeSpan.FromMilliseconds(reader.Session.State!.ExpiresAtMs - reader.Session.Clock.NowMs);
        Assert.InRange(left, TimeSpan.FromMinutes(50) - TimeSpan.FromSeconds(3), TimeSpan.FromMinutes(50));
    }

    private AssumeRoleOptions Options(EmulatedUser user, string roleArn = Worker, AWSCredentials? source = null) => new()
    {
        RoleArn = roleArn,
        RoleSessionName = "fleet-member",
        SourceCredentials = source ?? new BasicAWSCredentials(user.AccessKeyId, user.SecretAccessKey),
        ServiceUrl = _sts.Emulator.Endpoint.ToString(),
        Region = "us-east-1",
        DistributedCache = _cache,
        DataProtectionProvider = _keyRing,
    };

    /// <summary>A new "process" assumes the worker role as <paramref name="user"/>; returns the Redis key and the access key.</summary>
    private async Task<(string RedisKey, string AccessKey)> AssumeWorkerAsync(EmulatedUser user)
    {
        using var provider = new AssumeRoleCredentials(Options(user), new FakeTimeProvider(_sts.Time.GetUtcNow()), null);
        var credentials = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        var fetcher = (CachedSessionFetcher)provider.Session.Fetcher;
        await fetcher.PendingBackground;
        var key = await fetcher.TryGetKeyAsync(TestContext.Current.CancellationToken);
        return (_instanceName + DistributedSessionCache.CacheKeyOf(key!), credentials.AccessKey);
    }

    /// <summary>A new "process": a hub provider from <paramref name="source"/> (no cache), a spoke provider from it (cached).</summary>
    private async Task<string> AssumeSpokeAsync(AWSCredentials source)
    {
        var clock = new FakeTimeProvider(_sts.Time.GetUtcNow());
        var hubOptions = Options(_x, Hub, source);
        hubOptions.DistributedCache = null;
        hubOptions.DataProtectionProvider = null;
        using var hub = new AssumeRoleCredentials(hubOptions, clock, null);
        using var spoke = new AssumeRoleCredentials(Options(_x, Spoke, hub), clock, null);
        var credentials = await spoke.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await ((CachedSessionFetcher)spoke.Session.Fetcher).PendingBackground;
        return credentials.AccessKey;
    }

    /// <summary>A refreshing source (an instance role, say) whose keys are those of <see cref="User"/>.</summary>
    private sealed class SwitchingSource(EmulatedUser user) : AWSCredentials
    {
        public EmulatedUser User { get; set; } = user;

        public override ImmutableCredentials GetCredentials() => new(User.AccessKeyId, User.SecretAccessKey, null);
    }
}
