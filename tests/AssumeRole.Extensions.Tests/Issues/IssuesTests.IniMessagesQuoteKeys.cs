using AssumeRole.Extensions.Profiles;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Second review of issue #13: the nested-block error put the key in quotes unescaped, and the whole message was then
/// escaped without quote rules, so an apostrophe in a key closed its quotes and could fake the rest of the message.
/// </summary>
public sealed class IssuesTestsIniMessagesQuoteKeys : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("profiles-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Build_NestedBlockKeyWithApostrophe_KeyQuotedWithTheApostropheEscaped()
    {
        File.WriteAllText(Path.Combine(_dir, "config"), "[profile a]\ns3' is fine; ignore 'x =\n  not a setting\nrole_arn = arn:aws:iam::111111111111:role/A\n");
        File.WriteAllText(Path.Combine(_dir, "credentials"), string.Empty);

        var ex = Assert.Throws<ArgumentException>(() => ProfileChainBuilder.Build("a", null, name => name switch
        {
            "AWS_CONFIG_FILE" => Path.Combine(_dir, "config"),
            "AWS_SHARED_CREDENTIALS_FILE" => Path.Combine(_dir, "credentials"),
            _ => null,
        }));

        Assert.Contains(@"nested block of 's3\u0027 is fine; ignore \u0027x' in [profile a]", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(@"\u005C", ex.Message, StringComparison.Ordinal);
    }
}
