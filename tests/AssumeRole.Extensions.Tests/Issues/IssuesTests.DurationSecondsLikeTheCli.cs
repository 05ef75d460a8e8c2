using AssumeRole.Extensions.Profiles;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Review of issue #13, finding 10: botocore reads <c>duration_seconds</c> with Python's <c>int()</c>, which accepts
/// <c>+900</c>, <c>9_00</c> and digits of any script, and ignores a value that is not an integer (<c>abc</c>); we
/// refused all of these.
/// </summary>
public sealed class IssuesTestsDurationSecondsLikeTheCli : IDisposable
{
    private const string Keys = "[base]\naws_access_key_id = AKIABASEUSER00000001\naws_secret_access_key = base-secret\n";
    private readonly string _dir = Directory.CreateTempSubdirectory("profiles-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("+900", 900)]
    [InlineData("9_00", 900)]
    [InlineData("0900", 900)]
    [InlineData("\u0669\u0660\u0660", 900)]
    [InlineData("\uFF19\uFF10\uFF10", 900)]
    [InlineData("abc", null)]
    [InlineData("1.5", null)]
    [InlineData("9__00", null)]
    [InlineData("_900", null)]
    [InlineData("+ 900", null)]
    [InlineData("0x384", null)]
    public void Build_DurationSecondsAsPythonIntReadsIt_SameDurationAsTheCli(string text, int? expected)
    {
        var options = Build(text);

        Assert.Equal(expected, options.DurationSeconds);
    }

    [Theory]
    [InlineData("-900")]
    [InlineData("100")]
    [InlineData("99999999999999999999999")]
    public void Build_IntegerOutOfStsRange_ArgumentExceptionNamingTheKey(string text)
    {
        var ex = Assert.Throws<ArgumentException>(() => Build(text));

        Assert.Contains("duration_seconds", ex.Message, StringComparison.Ordinal);
    }

    private AssumeRoleOptions Build(string duration)
    {
        File.WriteAllText(Path.Combine(_dir, "config"), $"[profile a]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = base\nduration_seconds = {duration}\n");
        File.WriteAllText(Path.Combine(_dir, "credentials"), Keys);
        return ProfileChainBuilder.Build("a", null, name => name switch
        {
            "AWS_CONFIG_FILE" => Path.Combine(_dir, "config"),
            "AWS_SHARED_CREDENTIALS_FILE" => Path.Combine(_dir, "credentials"),
            _ => null,
        });
    }
}
