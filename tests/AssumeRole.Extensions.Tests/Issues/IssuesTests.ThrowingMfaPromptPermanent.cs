using AssumeRole.Extensions.Tests.Fakes;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// A <c>TokenCodeProvider</c> that threw once (a prompt closed, a prompt service briefly unreachable) failed the refresh
/// with <c>MfaTokenCodeProviderFailed</c> classified permanent — unlike a prompt that timed out, which is transient and
/// asked again at the next refresh — so callers got the failure replayed from the 5-second permanent error memory instead
/// of the 1-second transient one, and code that retries only transient errors gave up on the role.
/// </summary>
public sealed class IssuesTestsThrowingMfaPromptPermanent
{
    private readonly TestEngine _engine = new();

    [Fact]
    public async Task GetCredentials_TokenCodeProviderThrowsOnce_TransientAndAskedAgainOnTheNextCall()
    {
        var calls = 0;
        using var provider = _engine.Create(o =>
        {
            o.MfaSerialNumber = "arn:aws:iam::123456789012:mfa/alice";
            o.TokenCodeProvider = _ => Interlocked.Increment(ref calls) == 1
                ? throw new InvalidOperationException("the prompt was closed")
                : ValueTask.FromResult("123456");
        });

        var error = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));
        Assert.Equal("MfaTokenCodeProviderFailed", error.ErrorCode);
        Assert.True(error.IsTransient);

        // Past the transient error memory (1 s), well within the permanent one (5 s).
        _engine.Time.Advance(TimeSpan.FromSeconds(2));
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, calls);
        Assert.Equal(1, _engine.Sts.CallCount);
    }
}
