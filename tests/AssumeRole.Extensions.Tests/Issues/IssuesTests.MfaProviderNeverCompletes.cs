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

    /// <summary>
    /// Advances the fake clock by <paramref name="step"/> until <paramref name="waiter"/> ends, at most
    /// <paramref name="steps"/> times, bounded by real time: the prompt's bound (or the provider's delay) is armed on
    /// the fake clock only after the provider was asked, so one fixed jump could land before it and never fire.
    /// </summary>
    private async Task AdvanceUntilDoneAsync(Task waiter, TimeSpan step, int steps)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < steps && !waiter.IsCompleted && watch.Elapsed < Bound; i++)
        {
            _engine.Time.Advance(step);
            await Task.WhenAny(waiter, Task.Delay(TimeSpan.FromMilliseconds(200), TestContext.Current.CancellationToken));
        }
    }

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
        await AdvanceUntilDoneAsync(waiter, TimeSpan.FromSeconds(15), 8); // past the default MfaTokenCodeTimeout (1 min)

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
    public async Task Refresh_PromptTimesOut_ItsTokenIsCancelledSoPromptsDoNotPileUp()
    {
        // Review of issue 12: a timed-out prompt was abandoned but never told to stop, so a provider that honours its
        // token kept its dialog open while the backoff asked again: 13 prompts outstanding after an hour.
        var tokens = new System.Collections.Concurrent.ConcurrentQueue<CancellationToken>();
        var asked = new SemaphoreSlim(0);
        using var provider = _engine.Create(o =>
        {
            o.MfaSerialNumber = Serial;
            o.TokenCodeProvider = async ct =>
            {
                tokens.Enqueue(ct);
                asked.Release();
                await Task.Delay(Timeout.InfiniteTimeSpan, ct);
                return "123456";
            };
        });

        var waiter = provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        Assert.True(await asked.WaitAsync(Bound, TestContext.Current.CancellationToken));
        await AdvanceUntilDoneAsync(waiter, TimeSpan.FromSeconds(15), 8); // past the default MfaTokenCodeTimeout (1 min)

        var error = await Assert.ThrowsAsync<AssumeRoleException>(() => waiter.WaitAsync(Bound, TestContext.Current.CancellationToken));
        Assert.Equal("MfaTokenCodeTimeout", error.ErrorCode);
        Assert.True(Assert.Single(tokens).IsCancellationRequested, "the timed-out prompt's token was not cancelled");
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
        await AdvanceUntilDoneAsync(waiter, TimeSpan.FromSeconds(5), 11); // 20 s of thinking, under the 1-minute prompt bound

        Assert.NotNull(await waiter.WaitAsync(Bound, TestContext.Current.CancellationToken));
        Assert.Equal(1, calls);
        Assert.Equal("654321", Assert.Single(_engine.Sts.Calls).TokenCode);
    }
}
