using Amazon.Runtime;
using AssumeRole.Extensions.Sts;
using AssumeRole.Extensions.Tests.Fakes;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Review of issue #13, finding 4: a <c>TaskCanceledException</c> from a user's callback (an HttpClient timeout inside
/// it) was taken for our cancellation: from a <c>TokenCodeProvider</c> it surfaced raw, carrying the callback's
/// message; from a source it surfaced as <c>RequestTimeout</c>. And the source guard quoted up to 200 characters of
/// the source's message, which can hold a secret.
/// </summary>
public sealed class IssuesTestsCallbackCancellationIsTheCallbacksFailure
{
    [Fact]
    public async Task Fetch_TokenCodeProviderThrowsTaskCanceled_MfaTokenCodeProviderFailedWithoutItsMessage()
    {
        var engine = new TestEngine();
        using var provider = engine.Create(o =>
        {
            o.MfaSerialNumber = "arn:aws:iam::123456789012:mfa/alice";
            o.TokenCodeProvider = _ => throw new TaskCanceledException("prompt timed out after the user typed 918273");
        });

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

        Assert.Equal("MfaTokenCodeProviderFailed", ex.ErrorCode);
        Assert.Contains("TaskCanceledException", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("918273", ex.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, engine.Sts.CallCount);
    }

    [Fact]
    public async Task GetAsync_OurOwnTokenCanceled_StillACancellation()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => MfaCode.GetAsync(
            ct => throw new OperationCanceledException(ct), "arn:aws:iam::123456789012:mfa/alice", TestEngine.RoleArn, 1, 1, AssumeRoleDefaults.MfaTokenCodeTimeout, TimeProvider.System, cts.Token).AsTask());
    }

    [Fact]
    public async Task GetCredentials_SourceThrowsTaskCanceled_SourceCredentialsFailedNotATimeout()
    {
        var guard = new SourceCredentialsGuard(new ThrowingSource(new TaskCanceledException("vault call timed out; token s3cr3t-vault-token")), "SourceCredentials");

        var ex = await Assert.ThrowsAsync<StsCallException>(guard.GetCredentialsAsync);

        Assert.Equal("SourceCredentialsFailed", ex.ErrorCode);
        Assert.True(ex.IsTransient);
        Assert.Contains("TaskCanceledException", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetCredentials_SourceMessageHoldsASecret_OnlyTheTypeIsShown()
    {
        var guard = new SourceCredentialsGuard(new ThrowingSource(new InvalidOperationException("refused: password=hunter2hunter2")), "SourceCredentials");

        var ex = Assert.Throws<StsCallException>(guard.GetCredentials);

        Assert.Contains("threw InvalidOperationException", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", ex.Message, StringComparison.Ordinal);
    }

    private sealed class ThrowingSource(Exception error) : AWSCredentials
    {
        public override ImmutableCredentials GetCredentials() => throw error;

        public override Task<ImmutableCredentials> GetCredentialsAsync() => Task.FromException<ImmutableCredentials>(error);
    }
}
