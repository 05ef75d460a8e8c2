using AssumeRole.Extensions.Profiles;
using AssumeRole.Extensions.Tests.Diagnostics;
using AssumeRole.Extensions.Tests.Fakes;
using AssumeRole.Extensions.Validation;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Audit of issue #13 ("messages safe to log"): two messages still showed a user value raw. The refresh-window failure
/// named the hop with its role ARN as given, so a chain hop's hostile ARN (CR/LF, a bidi override, 1 MB) reached the
/// <see cref="ArgumentException"/> and log event 15 whole, unescaped and a second time (its own RoleArn failure already
/// quotes it); and <c>FromProfile</c>'s "credential_source … is not available here" named the profile unquoted.
/// </summary>
public sealed class IssuesTestsRawValuesInWindowAndProfileMessages : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("profiles-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Constructor_HostileHopArnWithWindowFailure_ArnEscapedCutAndShownOnce()
    {
        using var observed = new ObservedEngine("HostileHop");
        var hostile = "arn:aws:iam::123456789012:role/R\r\n[Error] forged\u202E" + new string('x', 1 << 20);

        var ex = Assert.Throws<ArgumentException>(() => observed.Create(o =>
        {
            o.Chain.Add(new AssumeRoleHopOptions { RoleArn = hostile });
            o.MandatoryRefreshWindow = TimeSpan.FromHours(2);
        }));

        var logged = Assert.Single(observed.LogsWithId(15)).Message;
        foreach (var message in new[] { ex.Message, logged })
        {
            Assert.Contains("MandatoryRefreshWindow", message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', message);
            Assert.DoesNotContain('\r', message);
            Assert.DoesNotContain('\u202E', message);
            Assert.True(message.Length < 4_000, $"{message.Length} characters");
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(message, "forged"));
        }
    }

    [Fact]
    public void Validate_ValidHopArnWithWindowFailure_NamesTheHopByItsQuotedArn()
    {
        var options = new AssumeRoleOptions { RoleArn = TestEngine.RoleArn, MandatoryRefreshWindow = TimeSpan.FromHours(2) };
        options.Chain.Add(new AssumeRoleHopOptions { RoleArn = "arn:aws:iam::123456789012:role/First" });

        var failures = AssumeRoleOptionsValidator.Validate(options);

        Assert.Contains(failures, f => f.Contains("of hop 1 ('arn:aws:iam::123456789012:role/First')", StringComparison.Ordinal));
    }

    [Fact]
    public void FromProfile_UnavailableCredentialSourceOfHostileProfileName_NameEscaped()
    {
        // The SDK's container provider reads the real environment, which has no container endpoint in a test run.
        File.WriteAllText(Path.Combine(_dir, "config"), "[profile a\u202Eb]\nrole_arn = arn:aws:iam::111111111111:role/A\ncredential_source = EcsContainer\n");
        File.WriteAllText(Path.Combine(_dir, "credentials"), string.Empty);
        var vars = new Dictionary<string, string>
        {
            ["AWS_CONFIG_FILE"] = Path.Combine(_dir, "config"),
            ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(_dir, "credentials"),
        };

        var ex = Assert.Throws<ArgumentException>(() => ProfileChainBuilder.Build("a\u202Eb", null, k => vars.GetValueOrDefault(k)));

        Assert.Equal("profileName", ex.ParamName);
        Assert.Contains("AWS profile 'a\\u202Eb' has credential_source EcsContainer, which is not available here", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\u202E', ex.Message);
    }
}
