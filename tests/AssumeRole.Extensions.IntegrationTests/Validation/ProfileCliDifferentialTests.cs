using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Profiles;

namespace AssumeRole.Extensions.IntegrationTests.Validation;

/// <summary>
/// Issue #13, item 8: the shared config and credentials files mean to <c>FromProfile</c> what they mean to the AWS CLI.
/// A corpus of malformed, duplicate, commented and continued files is read by the real CLI (<c>aws configure get
/// role_arn --profile P</c>) and by our reader; the verdicts (the value, "no such key", "no such profile", or "the
/// file cannot be parsed") must be equal.
/// </summary>
public sealed class ProfileCliDifferentialTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("profiles-").FullName;

    public static TheoryData<string, string, string, string> Corpus => new()
    {
        // name, config file, credentials file, profile
        { "plain", "[profile a]\nrole_arn = R1\n", string.Empty, "a" },
        { "duplicate section", "[profile a]\nrole_arn = R1\n[profile a]\nrole_arn = R2\n", string.Empty, "a" },
        { "duplicate key", "[profile a]\nrole_arn = R1\nrole_arn = R2\n", string.Empty, "a" },
        { "duplicate key, other case", "[profile a]\nrole_arn = R1\nROLE_ARN = R2\n", string.Empty, "a" },
        { "duplicate key in another section", "[profile a]\nrole_arn = R1\n[profile b]\nrole_arn = R2\n", string.Empty, "a" },
        { "garbage line", "[profile a]\nrole_arn = R1\nthis is not a setting\n", string.Empty, "a" },
        { "garbage before any section", "garbage\n[profile a]\nrole_arn = R1\n", string.Empty, "a" },
        { "key before any section", "role_arn = R0\n[profile a]\nrole_arn = R1\n", string.Empty, "a" },
        { "line with no key", "[profile a]\n= R0\nrole_arn = R1\n", string.Empty, "a" },
        { "empty brackets", "[profile a]\n[]\nrole_arn = R1\n", string.Empty, "a" },
        { "comments", "# top\n[profile a]\n; semicolon\n   # indented\nrole_arn = R1\n", string.Empty, "a" },
        { "no inline comments", "[profile a]\nrole_arn = R1 # not a comment\n", string.Empty, "a" },
        { "colon delimiter", "[profile a]\nrole_arn: R1\n", string.Empty, "a" },
        { "first delimiter wins", "[profile a]\nrole_arn:arn:aws:iam::123456789012:role/R=1\n", string.Empty, "a" },
        { "continuation line", "[profile a]\nrole_arn = R1\n  continued\n", string.Empty, "a" },
        { "continuation with blank line", "[profile a]\nrole_arn = R1\n\n  continued\n", string.Empty, "a" },
        { "continuation with tab", "[profile a]\nrole_arn = R1\n\tcontinued\n", string.Empty, "a" },
        { "indented key after header", "[profile a]\n  role_arn = R1\n  region = eu-west-1\n", string.Empty, "a" },
        { "nested block", "[profile a]\ns3 =\n  max_concurrent_requests = 10\nrole_arn = R1\n", string.Empty, "a" },
        { "nested block without =", "[profile a]\ns3 =\n  not a setting\nrole_arn = R1\n", string.Empty, "a" },
        { "text after header", "[profile a] trailing\nrole_arn = R1\n", string.Empty, "a" },
        { "two spaces in header", "[profile a]\nrole_arn = R1\n[profile  a]\nrole_arn = R2\n", string.Empty, "a" },
        { "quoted profile name", "[profile \"a\"]\nrole_arn = R1\n", string.Empty, "a" },
        { "three words in header", "[profile a b]\nrole_arn = R1\n", string.Empty, "a" },
        { "unprefixed section in config", "[a]\nrole_arn = R1\n", string.Empty, "a" },
        { "profiles prefix", "[profiles a]\nrole_arn = R1\n", string.Empty, "a" },
        { "sso-session section", "[sso-session a]\nrole_arn = R1\n", string.Empty, "a" },
        { "DEFAULT section", "[DEFAULT]\nrole_arn = R0\n[profile a]\nregion = eu-west-1\n", string.Empty, "a" },
        { "DEFAULT overridden", "[DEFAULT]\nrole_arn = R0\n[profile a]\nrole_arn = R1\n", string.Empty, "a" },
        { "default and profile default", "[default]\nrole_arn = R1\n[profile default]\nrole_arn = R2\n", string.Empty, "default" },
        { "key missing", "[profile a]\nregion = eu-west-1\n", string.Empty, "a" },
        { "profile missing", "[profile b]\nrole_arn = R1\n", string.Empty, "a" },
        { "credentials file wins", "[profile a]\nrole_arn = R1\n", "[a]\nrole_arn = R2\n", "a" },
        { "credentials file only", string.Empty, "[a]\nrole_arn = R2\n", "a" },
        { "credentials file duplicate section", "[profile a]\nrole_arn = R1\n", "[a]\nrole_arn = R2\n[a]\nregion = x\n", "a" },
        { "credentials file garbage", "[profile a]\nrole_arn = R1\n", "[a]\ngarbage\n", "a" },
        { "CRLF line ends", "[profile a]\r\nrole_arn = R1\r\n", string.Empty, "a" },
        { "upper-case key", "[profile a]\nROLE_ARN = R1\n", string.Empty, "a" },
        { "spaces around key", "[profile a]\n   role_arn   =   R1   \n", string.Empty, "a" },

        { "byte order mark", "\uFEFF[profile a]\nrole_arn = R1\n", string.Empty, "a" },
        { "CR-only line ends", "[profile a]\rrole_arn = R1\r", string.Empty, "a" },
        { "indented comment after a value", "[profile a]\nrole_arn = R1\n  # comment\n", string.Empty, "a" },
        { "header with a trailing space replaces the profile", "[profile a]\nrole_arn = R1\n[profile a ]\nregion = x\n", string.Empty, "a" },
        { "shell-quoted profile name", "[profile 'a b']\nrole_arn = R1\n", string.Empty, "a b" },
        { "unbalanced quote in header", "[profile \"a]\nrole_arn = R1\n", string.Empty, "a" },

        // Nested blocks are split with Python's str.splitlines(): these characters start a new line there.
        { "nested block with NEL", "[profile a]\ns3 =\n  k = v\u0085garbage\nrole_arn = R1\n", string.Empty, "a" },
        { "nested block with LINE SEPARATOR", "[profile a]\ns3 =\n  k = v\u2028garbage\nrole_arn = R1\n", string.Empty, "a" },
        { "nested block with PARAGRAPH SEPARATOR", "[profile a]\ns3 =\n  k = v\u2029garbage\nrole_arn = R1\n", string.Empty, "a" },
        { "nested block with FS (U+001C)", "[profile a]\ns3 =\n  k = v\u001Cgarbage\nrole_arn = R1\n", string.Empty, "a" },
        { "nested block with GS (U+001D)", "[profile a]\ns3 =\n  k = v\u001Dgarbage\nrole_arn = R1\n", string.Empty, "a" },
        { "nested block with RS (U+001E)", "[profile a]\ns3 =\n  k = v\u001Egarbage\nrole_arn = R1\n", string.Empty, "a" },
        { "nested block with VT", "[profile a]\ns3 =\n  k = v\vgarbage\nrole_arn = R1\n", string.Empty, "a" },
        { "nested block with FF", "[profile a]\ns3 =\n  k = v\fgarbage\nrole_arn = R1\n", string.Empty, "a" },
        { "nested block with US (U+001F), no break", "[profile a]\ns3 =\n  k = v\u001Fgarbage\nrole_arn = R1\n", string.Empty, "a" },
        { "nested block with NEL, then =", "[profile a]\ns3 =\n  k = v\u0085x = y\nrole_arn = R1\n", string.Empty, "a" },
        { "credentials nested block with NEL", "[profile a]\nrole_arn = R1\n", "[a]\ns3 =\n  k = v\u0085garbage\n", "a" },
        { "credentials nested block with LINE SEPARATOR", "[profile a]\nrole_arn = R1\n", "[a]\ns3 =\n  k = v\u2028garbage\n", "a" },
        { "credentials nested block with FS (U+001C)", "[profile a]\nrole_arn = R1\n", "[a]\ns3 =\n  k = v\u001Cgarbage\n", "a" },
        { "credentials nested block with VT", "[profile a]\nrole_arn = R1\n", "[a]\ns3 =\n  k = v\vgarbage\n", "a" },
    };

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task RoleArn_CorpusFile_SameVerdictAsAwsCli(string name, string config, string credentials, string profile)
    {
        var aws = ExecutableLocator.Find("aws");
        RequiresServer.Available(aws is not null, "The AWS CLI ('aws') is not installed.");
        var configPath = Path.Combine(_directory, "config");
        var credentialsPath = Path.Combine(_directory, "credentials");
        await File.WriteAllTextAsync(configPath, config, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(credentialsPath, credentials, TestContext.Current.CancellationToken);

        var cli = await ProcessRunner.RunAsync(
            aws!,
            ["configure", "get", "role_arn", "--profile", profile],
            new Dictionary<string, string?>
            {
                ["AWS_CONFIG_FILE"] = configPath,
                ["AWS_SHARED_CREDENTIALS_FILE"] = credentialsPath,
                ["AWS_EC2_METADATA_DISABLED"] = "true",
                ["AWS_PAGER"] = string.Empty,
            },
            clearAwsEnvironment: true,
            TimeSpan.FromSeconds(60),
            TestContext.Current.CancellationToken);

        var ours = OurVerdict(configPath, credentialsPath, profile);

        Assert.True(CliVerdict(cli) == ours, $"{name}: CLI says {CliVerdict(cli)}, we say {ours} ({cli})");
    }

    private static string CliVerdict(ProcessResult cli)
    {
        if (cli.StandardError.Contains("ConfigParseError", StringComparison.Ordinal) || cli.StandardError.Contains("Unable to parse config file", StringComparison.Ordinal))
        {
            return "unparsable";
        }

        if (cli.StandardError.Contains("could not be found", StringComparison.Ordinal))
        {
            return "no profile";
        }

        // configure get prints the value and a newline, or nothing (exit 1) when the key is not set.
        return cli.ExitCode == 0 ? "value " + cli.StandardOutput[..^1].Replace("\r", string.Empty, StringComparison.Ordinal) : "no key";
    }

    private static string OurVerdict(string configPath, string credentialsPath, string profile)
    {
        SharedConfigFiles files;
        try
        {
            files = SharedConfigFiles.Load(name => name switch
            {
                "AWS_CONFIG_FILE" => configPath,
                "AWS_SHARED_CREDENTIALS_FILE" => credentialsPath,
                _ => null,
            });
        }
        catch (ArgumentException)
        {
            return "unparsable";
        }

        if (files.Profile(profile) is not { } values)
        {
            return "no profile";
        }

        return values.TryGetValue("role_arn", out var value) ? "value " + value : "no key";
    }
}
