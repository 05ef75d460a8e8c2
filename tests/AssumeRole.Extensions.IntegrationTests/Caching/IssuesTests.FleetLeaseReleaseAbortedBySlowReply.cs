using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.StackExchangeRedis;
using StackExchange.Redis;

namespace AssumeRole.Extensions.IntegrationTests.Caching;

/// <summary>
/// The coordinator released a lease with StackExchange.Redis' <c>LockRelease</c>, a WATCH/GET/MULTI/DEL/EXEC
/// transaction whose GET reply the client awaits with a blocking <c>Monitor.Wait</c> bounded by its <c>syncTimeout</c>.
/// A Redis that answered later than that (busy, paused, far away) aborted the transaction: the release reported
/// nothing, the lease stayed until it expired, and every waiter of the fleet waited it out. Under libfaketime (CI's
/// shifted-clock rerun) every timed blocking wait returns at once, so the release always failed there: that was the
/// cause of the three lease tests that failed only under the shifted clock. A server-side compare-and-delete script is
/// one asynchronous round trip.
/// </summary>
public sealed class IssuesTestsFleetLeaseReleaseAbortedBySlowReply
{
    [Fact]
    public async Task Release_RedisAnswersAfterTheClientsSyncTimeout_TheLeaseIsReleased()
    {
        await using var redis = await RedisServerFixture.StartNewAsync();
        RequiresServer.Available(redis.UnavailableReason);
        var ct = TestContext.Current.CancellationToken;

        // A synchronous timeout far below the pause below; asynchronous commands keep a generous bound of their own
        // (StackExchange.Redis' asyncTimeout defaults to syncTimeout).
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",syncTimeout=100,asyncTimeout=30000");
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",allowAdmin=true");
        var options = new RedisFleetCoordinatorOptions { LeaseTime = TimeSpan.FromSeconds(60) };
        var coordinator = new RedisFleetCoordinator(connection, options);
        const string Key = "0123456789ABCDEF";
        Assert.True(await coordinator.TryAcquireAsync(Key, "holder", ct));

        // The server holds every client's commands for 3 s: the release is answered 3 s late.
        await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "3000", "ALL");
        await coordinator.ReleaseAsync(Key, "holder", ct).WaitAsync(TimeSpan.FromSeconds(30), ct);

        Assert.False(await admin.GetDatabase().KeyExistsAsync(options.KeyPrefix + Key));
    }

    [Fact]
    public async Task Release_LeaseHeldByAnother_TheirLeaseStays()
    {
        await using var redis = await RedisServerFixture.StartNewAsync();
        RequiresServer.Available(redis.UnavailableReason);
        var ct = TestContext.Current.CancellationToken;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var options = new RedisFleetCoordinatorOptions { LeaseTime = TimeSpan.FromSeconds(60) };
        var coordinator = new RedisFleetCoordinator(connection, options);
        const string Key = "FEDCBA9876543210";

        // Our lease expired and another process took a new one: our release must not end theirs.
        Assert.True(await coordinator.TryAcquireAsync(Key, "other", ct));
        await coordinator.ReleaseAsync(Key, "holder", ct).WaitAsync(TimeSpan.FromSeconds(30), ct);

        Assert.Equal("other", (string?)await connection.GetDatabase().StringGetAsync(options.KeyPrefix + Key));
    }
}
