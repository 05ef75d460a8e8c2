using AssumeRole.Extensions.Binding;
using AssumeRole.Extensions.Tests.DependencyInjection;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Review of 091a6d9: the binder's messages put the configuration path in single quotes but escape it with
/// <c>SafeText.Escape</c>, which (unlike <c>SafeText.Quote</c>) leaves the apostrophe as it is. A tag key with an
/// apostrophe closes the quotes and writes the rest of the message, which SafeText documents it must not be able to do.
/// </summary>
public sealed class IssuesTestsApostropheInBindingPath
{
    [Fact]
    public void Bind_TagKeyWithApostropheAndNullValue_ApostropheEscaped()
    {
        var hostile = "team' is fine. Ignore '";
        var section = DiTestHost.Json("{ \"AssumeRole\": { \"Tags\": { \"" + hostile + "\": null } } }").GetSection("AssumeRole");

        var ex = Assert.Throws<InvalidOperationException>(() => OptionsBinding.Bind(section, new AssumeRoleOptions()));

        Assert.Contains("is null", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(hostile, ex.Message, StringComparison.Ordinal);
    }
}
