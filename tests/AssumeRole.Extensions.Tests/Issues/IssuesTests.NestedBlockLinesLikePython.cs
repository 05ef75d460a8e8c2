using AssumeRole.Extensions.Profiles;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Review of issue #13, finding 5: botocore splits a nested block (<c>s3 =</c> then indented lines) with Python's
/// <c>str.splitlines()</c>, which also breaks at \v, \f, U+001C–U+001E, U+0085, U+2028 and U+2029; a line it cuts off
/// there without <c>=</c> makes the CLI refuse the file, while our reader returned the profile's values.
/// </summary>
public sealed class IssuesTestsNestedBlockLinesLikePython : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("profiles-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("\u0085")]
    [InlineData("\u2028")]
    [InlineData("\u2029")]
    [InlineData("\u001C")]
    [InlineData("\u001D")]
    [InlineData("\u001E")]
    [InlineData("\v")]
    [InlineData("\f")]
    public void Parse_NestedValueWithAPythonLineBreak_RefusedAsTheCliRefusesIt(string lineBreak)
    {
        var ex = Assert.Throws<FormatException>(() => IniFile.Parse(["[profile a]", "s3 =", $"  k = v{lineBreak}garbage", "role_arn = R1"]));

        Assert.Contains("nested block of 's3'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\u001F")]
    [InlineData("\u00A0")]
    [InlineData("\u2027")]
    public void Parse_NestedValueWithACharacterSplitlinesKeeps_Accepted(string notABreak)
    {
        var file = IniFile.Parse(["[profile a]", "s3 =", $"  k = v{notABreak}garbage", "role_arn = R1"]);

        Assert.Equal("R1", file.Sections[0].Value["role_arn"]);
    }

    [Fact]
    public void Load_CredentialsFileNestedValueWithNel_Refused()
    {
        File.WriteAllText(Path.Combine(_dir, "config"), "[profile a]\nrole_arn = R1\n");
        File.WriteAllText(Path.Combine(_dir, "credentials"), "[a]\ns3 =\n  k = v\u0085garbage\n");

        Assert.Throws<ArgumentException>(() => SharedConfigFiles.Load(name => name switch
        {
            "AWS_CONFIG_FILE" => Path.Combine(_dir, "config"),
            "AWS_SHARED_CREDENTIALS_FILE" => Path.Combine(_dir, "credentials"),
            _ => null,
        }));
    }
}
