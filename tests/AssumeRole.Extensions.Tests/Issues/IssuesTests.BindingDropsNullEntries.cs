using AssumeRole.Extensions.Binding;
using AssumeRole.Extensions.Tests.DependencyInjection;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Review of issue 14: the generated binder dropped an entry of a list or dictionary holding a JSON <c>null</c> without a
/// word (the reflection binder kept it and validation refused it): <c>"PolicyArns": [ null ]</c> became no session
/// policy at all — a wider session than configured — and <c>"Tags": { "team": null }</c> silently lost the tag. And a
/// value that did not convert was quoted in the inner exception (<c>The input string 'abc' was not in a correct
/// format.</c>), which a host that fails at start prints.
/// </summary>
public sealed class IssuesTestsBindingDropsNullEntries
{
    [Theory]
    [InlineData("""{ "PolicyArns": [ null ] }""", "AssumeRole:PolicyArns:0")]
    [InlineData("""{ "PolicyArns": [ "arn:aws:iam::aws:policy/ReadOnlyAccess", null ] }""", "AssumeRole:PolicyArns:1")]
    [InlineData("""{ "Tags": { "team": null } }""", "AssumeRole:Tags:team")]
    [InlineData("""{ "TransitiveTagKeys": [ null ] }""", "AssumeRole:TransitiveTagKeys:0")]
    [InlineData("""{ "Chain": [ { "RoleArn": "arn:aws:iam::111111111111:role/A", "Tags": { "team": null } } ] }""", "AssumeRole:Chain:0:Tags:team")]
    public void Bind_NullEntryInAListOrDictionary_FailsNamingTheKey(string json, string path)
    {
        var section = DiTestHost.Json("{ \"AssumeRole\": " + json + " }").GetSection("AssumeRole");

        var ex = Assert.Throws<InvalidOperationException>(() => OptionsBinding.Bind(section, new AssumeRoleOptions()));

        Assert.Contains($"'{path}' is null", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AssumeRole", """{ "DurationSeconds": "s3cr3t-typed-here" }""")]
    [InlineData("AssumeRole", """{ "Chain": [ { "DurationSeconds": "s3cr3t-typed-here" } ] }""")]
    [InlineData("MultiTenant", """{ "MaxTenants": "s3cr3t-typed-here" }""")]
    public void Bind_ValueThatDoesNotConvert_NoExceptionInTheChainQuotesIt(string path, string json)
    {
        var section = DiTestHost.Json("{ \"" + path + "\": " + json + " }").GetSection(path);

        var ex = Assert.Throws<InvalidOperationException>(() =>
        {
            if (path == "MultiTenant")
            {
                OptionsBinding.Bind(section, new MultiTenantOptions());
            }
            else
            {
                OptionsBinding.Bind(section, new AssumeRoleOptions());
            }
        });

        Assert.StartsWith("Failed to convert configuration value at '" + path + ":", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", ex.ToString(), StringComparison.Ordinal);
    }
}
