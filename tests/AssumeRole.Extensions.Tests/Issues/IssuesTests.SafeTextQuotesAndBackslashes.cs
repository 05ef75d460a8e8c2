using AssumeRole.Extensions.Tests.Fakes;
using AssumeRole.Extensions.Validation;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Review of issue #13, finding 9: <see cref="SafeText"/> escaped neither <c>'</c> nor <c>\</c>, so a value could close
/// its quotes and fake the rest of a message, and a literal <c>x\u000D\u000Ay</c> looked like an escaped CR LF.
/// </summary>
public sealed class IssuesTestsSafeTextQuotesAndBackslashes
{
    [Fact]
    public void Quote_ApostropheAndBackslash_Escaped()
    {
        Assert.Equal(@"'x\u0027: fine; expected nothing. RoleArn \u0027y'", SafeText.Quote("x': fine; expected nothing. RoleArn 'y"));
        Assert.Equal(@"'x\u005Cu000D\u005Cu000Ay'", SafeText.Quote(@"x\u000D\u000Ay"));
    }

    [Fact]
    public void Escape_LiteralEscapeSequence_DoesNotPassForAnEscapedCharacter()
    {
        Assert.Equal(@"x\u005Cu000Ay and x\u000Ay", SafeText.Escape("x\\u000Ay and x\ny", 100));
    }

    [Fact]
    public void Validate_SessionNameFakingMessageStructure_OnePairOfQuotesAroundTheValue()
    {
        var options = new AssumeRoleOptions { RoleArn = TestEngine.RoleArn, RoleSessionName = "x': fine; expected nothing. RoleArn 'y" };

        var failure = Assert.Single(AssumeRoleOptionsValidator.Validate(options));

        Assert.StartsWith(@"RoleSessionName 'x\u0027: fine; expected nothing. RoleArn \u0027y': character", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("RoleArn 'y", failure, StringComparison.Ordinal);
    }
}
