using AssumeRole.Extensions.Binding;
using AssumeRole.Extensions.Tests.DependencyInjection;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Review of 0939407 ("messages safe to log", issue 13): the binder's refusal of a null dictionary entry
/// (<c>ConfigurationValues.RejectNullEntries</c>) names the entry by its configuration path, raw. For <c>Tags</c> that
/// path ends in the tag key — a user value that the validator quotes and escapes in its own messages — so a hostile key
/// (CR/LF, a bidi override, 1 MB) reaches the <see cref="InvalidOperationException"/> (which a host that fails at start
/// prints, and a rejected reload logs as event 41) whole and unescaped.
/// </summary>
public sealed class IssuesTestsRawTagKeyInBindingMessage
{
    [Theory]
    [InlineData("""{ "Tags": { "KEY": null } }""")]
    [InlineData("""{ "Chain": [ { "RoleArn": "arn:aws:iam::111111111111:role/A", "Tags": { "KEY": null } } ] }""")]
    public void Bind_HostileTagKeyWithNullValue_KeyEscapedAndCut(string json)
    {
        var hostile = "team\\r\\n[Error] forged\\u202E" + new string('x', 1 << 20);
        var section = DiTestHost.Json("{ \"AssumeRole\": " + json.Replace("KEY", hostile, StringComparison.Ordinal) + " }").GetSection("AssumeRole");

        var ex = Assert.Throws<InvalidOperationException>(() => OptionsBinding.Bind(section, new AssumeRoleOptions()));

        Assert.Contains("is null", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.DoesNotContain('\r', ex.Message);
        Assert.DoesNotContain('\u202E', ex.Message);
        Assert.True(ex.Message.Length < 4_000, $"{ex.Message.Length} characters");
    }
}
