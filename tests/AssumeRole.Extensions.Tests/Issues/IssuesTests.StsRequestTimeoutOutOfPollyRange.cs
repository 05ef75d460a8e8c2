using AssumeRole.Extensions.Tests.Fakes;
using AssumeRole.Extensions.Validation;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// The validator accepted any positive StsRequestTimeout, but Polly's timeout strategy takes 10 ms to 1 day: a value
/// outside failed in the constructor with Polly's ValidationException instead of our ArgumentException naming the field.
/// </summary>
public sealed class IssuesTestsStsRequestTimeoutOutOfPollyRange
{
    [Theory]
    [InlineData(5)]
    [InlineData(2 * 24 * 3600 * 1000.0)]
    public void Validate_StsRequestTimeoutOutsidePollysRange_NamesTheFieldAndTheRule(double milliseconds)
    {
        var options = new AssumeRoleOptions { RoleArn = TestEngine.RoleArn, StsRequestTimeout = TimeSpan.FromMilliseconds(milliseconds) };

        var failure = Assert.Single(AssumeRoleOptionsValidator.Validate(options));
        Assert.Contains("StsRequestTimeout", failure, StringComparison.Ordinal);

        var ex = Assert.Throws<ArgumentException>(() => new TestEngine().Create(o => o.StsRequestTimeout = options.StsRequestTimeout));
        Assert.Contains("StsRequestTimeout", ex.Message, StringComparison.Ordinal);
    }
}
