using AssumeRole.Extensions.Validation;

namespace AssumeRole.Extensions.Tests.Validation;

/// <summary>Issue #13, item 4: hostile values appear in messages at most once, escaped and cut.</summary>
public sealed class SafeTextTests
{
    [Theory]
    [InlineData("a\r\nforged: line", @"'a\u000D\u000Aforged: line'")]
    [InlineData("nul\0byte", @"'nul\u0000byte'")]
    [InlineData("\u001B[31mred", @"'\u001B[31mred'")]
    [InlineData("abc\u202Efed", @"'abc\u202Efed'")]
    [InlineData("zero\u200Bwidth", @"'zero\u200Bwidth'")]
    [InlineData("line\u2028sep", @"'line\u2028sep'")]
    [InlineData("Ünïcödé 東京", "'Ünïcödé 東京'")]
    public void Quote_HostileCharacters_Escaped(string value, string expected) =>
        Assert.Equal(expected, SafeText.Quote(value));

    [Fact]
    public void Quote_LoneSurrogate_Escaped() =>
        Assert.Equal(@"'lone\uD800!'", SafeText.Quote("lone\uD800!"));

    [Fact]
    public void Quote_LongValue_CutWithItsLength()
    {
        var value = "arn:aws:iam::123456789012:role/" + new string('x', 1024 * 1024);

        var quoted = SafeText.Quote(value);

        Assert.Equal($"'arn:aws:iam::123456789012:role/xxxxxxxxxxxxxxxxx…' ({value.Length} characters)", quoted);
    }

    [Fact]
    public void Constructor_HostileValues_EachAppearsOnceEscapedAndCut()
    {
        var engine = new Fakes.TestEngine();
        var hugeArn = "arn:aws:iam::123456789012:role/" + new string('r', 1024 * 1024);
        var sessionName = "forged\r\n2026-01-01 INFO all good " + new string('s', 10 * 1024);

        var ex = Assert.Throws<ArgumentException>(() => engine.Create(o =>
        {
            o.RoleArn = hugeArn;
            o.RoleSessionName = sessionName;
            o.SourceIdentity = "\u202Eevil";
        }));

        Assert.True(ex.Message.Length < 2000, $"message of {ex.Message.Length} characters");
        Assert.DoesNotContain('\r', ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.DoesNotContain('\u202E', ex.Message);
        Assert.Contains($"({hugeArn.Length} characters)", ex.Message, StringComparison.Ordinal);
        Assert.Contains($@"'forged\u000D\u000A2026-01-01 INFO all good sssssssssssssss…' ({sessionName.Length} characters)", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, Count(ex.Message, "arn:aws:iam::123456789012:role/rrr"));
        Assert.Equal(1, Count(ex.Message, "forged"));
    }

    private static int Count(string text, string part)
    {
        var n = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + 1, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }
}
