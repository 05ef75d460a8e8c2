using System.Text;
using Amazon.Runtime;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Testing;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace AssumeRole.Extensions.IntegrationTests.Caching;

/// <summary>The fleet cache on a real redis-server: two "processes" (separate clocks and session caches) share one session.</summary>
public sealed class DistributedCacheRedisTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private const string RoleArn = "arn:aws:iam::123456789012:role/fleet/Worker";
    private EmulatorFixture _sts = null!;
    private EmulatedUser _user = null!;

    public async ValueTask InitializeAsync()
    {
        _sts = await EmulatorFixture.StartAsync();
        _user = _sts.Emulator.AddUser("fleet");
        _sts.Emulator.AddRole(RoleArn);
    }

    public ValueTask DisposeAsync() => _sts.DisposeAsync();

    [Fact]
    public async Task RedisCache_TwoProcesses_OneAssumeRoleCallAndNothingReadableAtRest()
    {
        RequiresServer.Available(redis.UnavailableReason);
        using var cache = new RedisCache(Microsoft.Extensions.Options.Options.Create(new RedisCacheOptions { Configuration = redis.Configuration, InstanceName = "it:" }));

        // One key ring for the fleet (here: one ephemeral provider shared by both "processes").
        var protection = new EphemeralDataProtectionProvider();
        AssumeRoleOptions Build() => new()
        {
            RoleArn = RoleArn,
            RoleSessionName = "fleet-member",
            SourceCredentials = new BasicAWSCredentials(_user.AccessKeyId, _user.SecretAccessKey),
            ServiceUrl = _sts.Emulator.Endpoint.ToString(),
            Region = "us-east-1",
            DistributedCache = cache,
            DataProtectionProvider = protection,
        };

        // Distinct fake clocks give each provider its own session cache: as separate processes would have.
        using var first = new AssumeRoleCredentials(Build(), new FakeTimeProvider(_sts.Time.GetUtcNow()), null);
        var fromSts = await first.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await ((AssumeRole.Extensions.Caching.CachedSessionFetcher)first.Session.Fetcher).PendingBackground; // writes run in the background
        using var second = new AssumeRoleCredentials(Build(), new FakeTimeProvider(_sts.Time.GetUtcNow()), null);
        var fromRedis = await second.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, _sts.Emulator.CountCalls("AssumeRole", RoleArn));
        Assert.Equal(fromSts.AccessKey, fromRedis.AccessKey);
        Assert.Equal(fromSts.Token, fromRedis.Token);

        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        var keys = server.Keys(pattern: "it:assume-role:*").ToList();
        var key = Assert.Single(keys);
        var raw = (byte[])(await connection.GetDatabase().HashGetAsync(key, "data"))!;
        var text = Encoding.UTF8.GetString(raw);
        Assert.DoesNotContain(fromSts.SecretKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain(fromSts.Token, text, StringComparison.Ordinal);
        Assert.DoesNotContain(fromSts.AccessKey, text, StringComparison.Ordinal);
        var ttl = await connection.GetDatabase().KeyTimeToLiveAsync(key);
        Assert.NotNull(ttl);
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(50), TimeSpan.FromMinutes(59));
    }
}
