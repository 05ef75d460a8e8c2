using AssumeRole.Extensions.Tests.Fakes;
using AssumeRole.Extensions.Validation;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// A configured <see cref="AssumeRoleOptions.MandatoryRefreshWindow"/> was silently shrunk: with
/// <c>DurationSeconds = 900</c> and a 10-minute mandatory window, the derived advisory window (5 min) was below it, so
/// the mandatory window became 2.5 min and credentials with 4 minutes left were handed out. Impossible combinations
/// (a mandatory window no shorter than the session) passed validation.
/// </summary>
public sealed class IssuesTestsMandatoryWindowShrunk
{
    private readonly TestEngine _engine = new();

    [Fact]
    public async Task GetCredentials_ConfiguredMandatoryWindowAboveDerivedAdvisory_NeverReturnsCredentialsInsideIt()
    {
        using var provider = _engine.Create(o =>
        {
            o.DurationSeconds = 900;
            o.MandatoryRefreshWindow = TimeSpan.FromMinutes(10);
        });
        var first = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        // STS goes down just after the fetch; 11 minutes into the 15-minute session 4 minutes are left: inside M.
        _engine.Sts.Always = _ => FakeSts.Internal();
        await _engine.AdvanceAllAsync(TimeSpan.FromMinutes(11));

        var error = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));
        Assert.Equal("InternalFailure", error.ErrorCode);
        Assert.Throws<AssumeRoleException>(provider.GetCredentials);
        Assert.NotNull(first);
    }

    [Fact]
    public async Task Refresh_ConfiguredMandatoryWindowAboveDerivedAdvisory_RefreshesInTheBackgroundBeforeIt()
    {
        using var provider = _engine.Create(o =>
        {
            o.DurationSeconds = 900;
            o.MandatoryRefreshWindow = TimeSpan.FromMinutes(10);
        });
        var first = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        // Advisory = M + min(4 min, (L - M) / 2) = 12.5 min: the proactive refresh is due 2.5 minutes after issue.
        await _engine.AdvanceAllAsync(TimeSpan.FromMinutes(2.5));

        Assert.Equal(2, _engine.Sts.CallCount);
        Assert.NotSame(first, provider.GetCredentials());
    }

    [Fact]
    public async Task Refresh_StsIssuesSessionNoLongerThanConfiguredMandatoryWindow_FailsClearlyInsteadOfShrinkingIt()
    {
        _engine.Sts.Lifetime = TimeSpan.FromMinutes(10);
        using var provider = _engine.Create(o => o.MandatoryRefreshWindow = TimeSpan.FromMinutes(10));

        var error = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

        Assert.Equal("SessionShorterThanMandatoryWindow", error.ErrorCode);
        Assert.False(error.IsTransient);
        Assert.Contains("MandatoryRefreshWindow", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(900, 15, "the role")]
    [InlineData(900, 20, "the role")]
    [InlineData(null, 60, "the role")]
    public void Validate_MandatoryWindowNotShorterThanSession_FailsNamingFieldAndRule(int? duration, int mandatoryMinutes, string hop)
    {
        var options = new AssumeRoleOptions
        {
            RoleArn = TestEngine.RoleArn,
            DurationSeconds = duration,
            MandatoryRefreshWindow = TimeSpan.FromMinutes(mandatoryMinutes),
        };

        var failures = AssumeRoleOptionsValidator.Validate(options, "uploads");

        Assert.Contains(failures, f => f.StartsWith("Role 'uploads': MandatoryRefreshWindow (", StringComparison.Ordinal)
            && f.Contains("must be shorter than the session lifetime", StringComparison.Ordinal)
            && f.Contains(hop, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_MandatoryWindowLongerThanAChainedHop_FailsNamingThatHop()
    {
        var options = new AssumeRoleOptions
        {
            Chain = [new AssumeRoleHopOptions { RoleArn = "arn:aws:iam::111111111111:role/Hub", DurationSeconds = 7200 }],
            RoleArn = TestEngine.RoleArn,
            DurationSeconds = 7200,
            MandatoryRefreshWindow = TimeSpan.FromMinutes(90),
        };

        var failures = AssumeRoleOptionsValidator.Validate(options);

        // The target is chained, so STS caps it at one hour, below the 90-minute floor.
        Assert.Contains(failures, f => f.Contains($"of hop 2 ('{TestEngine.RoleArn}')", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_MandatoryWindowLongButShorterThanSession_Passes()
    {
        var options = new AssumeRoleOptions
        {
            RoleArn = TestEngine.RoleArn,
            DurationSeconds = 900,
            MandatoryRefreshWindow = TimeSpan.FromMinutes(10),
        };

        Assert.Empty(AssumeRoleOptionsValidator.Validate(options));
    }
}
