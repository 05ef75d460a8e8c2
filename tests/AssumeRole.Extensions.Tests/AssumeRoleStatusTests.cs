using AssumeRole.Extensions.Tests.Diagnostics;
using AssumeRole.Extensions.Tests.Fakes;

namespace AssumeRole.Extensions.Tests;

public sealed class AssumeRoleStatusTests
{
    [Fact]
    public async Task GetStatus_ColdWarmFailedDisposed_ReportsEachState()
    {
        using var o = new ObservedEngine("StatusStates");
        var provider = o.Create();

        var cold = provider.GetStatus();
        Assert.False(cold.HasCredentials);
        Assert.False(cold.IsUsable);
        Assert.Null(cold.TimeToExpiry);
        Assert.Equal(o.RoleArn, cold.RoleArn);
        Assert.Equal(0, o.Sts.CallCount);

        await provider.WarmUpAsync(TestContext.Current.CancellationToken);
        var warm = provider.GetStatus();
        Assert.True(warm.HasCredentials);
        Assert.True(warm.IsUsable);
        Assert.Equal(TimeSpan.FromHours(1), warm.TimeToExpiry);
        Assert.Equal(provider.Expiration, warm.ExpirationUtc);
        Assert.Equal(0, warm.ConsecutiveFailures);
        Assert.Null(warm.LastErrorCode);

        o.Sts.Always = _ => FakeSts.Internal();
        await o.AdvanceAsync(TimeSpan.FromMinutes(45), provider);
        var failing = provider.GetStatus();
        Assert.True(failing.IsUsable);
        Assert.Equal(1, failing.ConsecutiveFailures);
        Assert.Equal("InternalFailure", failing.LastErrorCode);
        Assert.NotNull(failing.NextAttemptIn);
        Assert.DoesNotContain(provider.GetCredentials().SecretKey, failing.ToString(), StringComparison.Ordinal);

        provider.Dispose();
        var disposed = provider.GetStatus();
        Assert.True(disposed.IsDisposed);
        Assert.False(disposed.IsUsable);
        Assert.Equal(o.RoleArn, disposed.RoleArn);
    }
}
