using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Tests.Fakes;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// An MFA <c>TokenCodeProvider</c> that never completed (one that ignores its cancellation token) wedged the role:
/// <c>StsRequestTimeout</c>'s cooperative timeout waited for it for ever, the provider was never asked again, STS was
/// never called and the health check said Healthy. A provider that honoured the token was cut off by the 10-second STS
/// request timeout instead — too short for a person — and asked again at once.
/// </summary>
public sealed class IssuesTestsMfaProviderNeverCompletes
{
    private const string Serial = "arn:aws:iam::123456789012:mfa/alice";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly TestEngine _engine = new();

    [Fact]
    public async Task Refresh_TokenCodeProviderNeverReturns_FailsWithMfaTokenCodeTimeoutAndAsksAgainNextTime()
    {
        var asked = new SemaphoreSlim(0);
        var calls = 0;
        using var provider = _engine.Create(o =>
        {
            o.MfaSerialNumber = Serial;
            o.TokenCodeProvider = _ =>
            {
                asked.Release();

                // The first prompt never answers and ignores cancellation; the second answers at once.
                return Interlocked.Increment(ref calls) == 1 ? new ValueTask<string>(new TaskCompletionSource<string>().Task) : ValueTask.FromResult("123456");
            };
        });

        var waiter = provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        Assert.True(await asked.WaitAsync(Bound, TestContext.Current.CancellationToken));
        _engine.Time.Advance(TimeSpan.FromMinutes(1)); // the default MfaTokenCodeTimeout

        var error = await Assert.ThrowsAsync<AssumeRoleException>(() => waiter.WaitAsync(Bound, TestContext.Current.CancellationToken));
        Assert.Equal("MfaTokenCodeTimeout", error.ErrorCode);
        Assert.Contains("MfaTokenCodeTimeout", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, _engine.Sts.CallCount);
        var health = await new AssumeRoleHealthCheck(provider).CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);
        Assert.NotEqual(HealthStatus.Healthy, health.Status);

        _engine.Time.Advance(AssumeRoleDefaults.TransientErrorMemory);
        Assert.NotNull(await provider.GetCredentialsAsync(TestContext.Current.CancellationToken).WaitAsync(Bound, TestContext.Current.CancellationToken));
        Assert.Equal(2, calls);
        Assert.Equal("123456", Assert.Single(_engine.Sts.Calls).TokenCode);
    }

    [Fact]
    public async Task Refresh_PersonTakesLongerThanTheStsRequestTimeout_CodeIsStillUsed()
    {
        var asked = new SemaphoreSlim(0);
        var calls = 0;
        using var provider = _engine.Create(o =>
        {
            o.MfaSerialNumber = Serial;
            o.StsRequestTimeout = TimeSpan.FromSeconds(10);
            o.TokenCodeProvider = async ct =>
            {
                Interlocked.Increment(ref calls);
                asked.Release();
                await Task.Delay(TimeSpan.FromSeconds(20), _engine.Time, ct);
                return "654321";
            };
        });

        var waiter = provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        Assert.True(await asked.WaitAsync(Bound, TestContext.Current.CancellationToken));
        for (var i = 0; i < 4; i++)
        {
            _engine.Time.Advance(TimeSpan.FromSeconds(5));
        }

        Assert.NotNull(await waiter.WaitAsync(Bound, TestContext.Current.CancellationToken));
        Assert.Equal(1, calls);
        Assert.Equal("654321", Assert.Single(_engine.Sts.Calls).TokenCode);
    }
}
