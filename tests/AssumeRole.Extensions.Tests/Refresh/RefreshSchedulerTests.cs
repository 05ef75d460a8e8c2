using AssumeRole.Extensions.Tests.Fakes;

namespace AssumeRole.Extensions.Tests.Refresh;

public sealed class RefreshSchedulerTests
{
    private readonly TestEngine _engine = new();

    private static string Role(int i) => $"arn:aws:iam::123456789012:role/Tenant{i}";

    [Fact]
    public async Task ProactiveRefresh_SessionsOfOneCacheWithDifferentRefreshPoints_EachFiresAtItsOwnPoint()
    {
        using var first = _engine.Create(o => o.RoleArn = Role(1));
        await first.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await _engine.AdvanceAllAsync(TimeSpan.FromMinutes(10));
        using var second = _engine.Create(o => o.RoleArn = Role(2));
        await second.GetCredentialsAsync(TestContext.Current.CancellationToken);

        // Refresh points (jitter 0): first at 45 min, second at 55 min, both on the cache's one timer.
        await _engine.AdvanceAllAsync(TimeSpan.FromMinutes(35.5));
        Assert.True(_engine.Sts.WaitForCalls(3));
        Assert.Equal([Role(1), Role(2), Role(1)], _engine.Sts.Calls.Select(c => c.RoleArn));

        await _engine.AdvanceAllAsync(TimeSpan.FromMinutes(10));
        Assert.True(_engine.Sts.WaitForCalls(4));
        Assert.Equal([Role(1), Role(2), Role(1), Role(2)], _engine.Sts.Calls.Select(c => c.RoleArn));
    }

    [Fact]
    public async Task Dispose_ManyLeasedSessions_LeaveTheQueueAndNeverRefresh()
    {
        const int count = 200;
        var providers = new List<AssumeRoleCredentials>();
        for (var i = 0; i < count; i++)
        {
            var provider = _engine.Create(o => o.RoleArn = Role(i));
            await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
            providers.Add(provider);
        }

        Assert.Equal(count, _engine.Cache.Scheduler.QueuedCount);
        providers.ForEach(p => p.Dispose());

        // Disarmed entries are dropped in bulk once they are most of the queue, so the queue does not keep the
        // sessions alive until their old refresh points; the few left are dropped when their time comes.
        Assert.True(_engine.Cache.Scheduler.QueuedCount < count / 2, $"{_engine.Cache.Scheduler.QueuedCount} entries left");
        await _engine.AdvanceAllAsync(TimeSpan.FromMinutes(46));
        Assert.Equal(0, _engine.Cache.Scheduler.QueuedCount);
        Assert.Equal(count, _engine.Sts.CallCount);
    }

    [Fact]
    public async Task ProactiveRefresh_LeaseReleasedThenRetaken_FiresOnceAtTheRefreshPoint()
    {
        using var provider = _engine.Create();
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        provider.Session.ReleaseLease();
        provider.Session.TryAddLease();

        // Two queue entries for the same refresh point: only the live one fires, once.
        Assert.Equal(2, _engine.Cache.Scheduler.QueuedCount);
        await _engine.AdvanceAsync(TimeSpan.FromMinutes(46), provider);

        Assert.Equal(2, _engine.Sts.CallCount);
    }
}
