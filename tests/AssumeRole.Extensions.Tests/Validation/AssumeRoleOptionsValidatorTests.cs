using AssumeRole.Extensions.Validation;

namespace AssumeRole.Extensions.Tests.Validation;

public sealed class AssumeRoleOptionsValidatorTests
{
    private const string Role = "arn:aws:iam::123456789012:role/Demo";

    public static TheoryData<string, Action<AssumeRoleOptions>, string> Invalid => new()
    {
        { "missing role", o => o.RoleArn = null, "RoleArn is required" },
        { "malformed role", o => o.RoleArn = "arn:aws:iam::123:user/bob-is-not-a-role", "RoleArn 'arn:aws:iam::123:user/bob-is-not-a-role': is not a role ARN" },
        { "session name char", o => o.RoleSessionName = "a:b", "RoleSessionName 'a:b': character ':' (U+003A) at index 1 is not allowed; expected [A-Za-z0-9_+=,.@-], 2–64 characters." },
        { "session name short", o => o.RoleSessionName = "a", "RoleSessionName 'a': has 1 characters, fewer than 2" },
        { "session name long", o => o.RoleSessionName = new string('a', 65), "has 65 characters, more than 64" },
        { "duration low", o => o.DurationSeconds = 899, "DurationSeconds must be between 900 and 43200; got 899" },
        { "duration high", o => o.DurationSeconds = 43201, "got 43201" },
        { "external id short", o => o.ExternalId = "x", "ExternalId (secret, 1 characters, not shown): has 1 characters, fewer than 2" },
        { "external id char", o => o.ExternalId = "bad id!", "ExternalId (secret, 7 characters, not shown): has a character that is not allowed" },
        { "policy long", o => o.Policy = "{\"a\":\"" + new string('x', 2041) + "\"}", "has 2049 characters, more than 2048" },
        { "policy arns", o => o.PolicyArns = Enumerable.Range(0, 11).Select(i => $"arn:aws:iam::aws:policy/P{i}").ToList(), "at most 10 ARNs; got 11" },
        { "policy arn malformed", o => o.PolicyArns = ["not-an-arn-but-long-enough"], "PolicyArns[0] 'not-an-arn-but-long-enough': is not a managed policy ARN" },
        { "tags", o => o.Tags = Enumerable.Range(0, 51).ToDictionary(i => $"k{i}", i => "v"), "at most 50 tags; got 51" },
        { "tag key long", o => o.Tags = new Dictionary<string, string> { [new string('k', 129)] = "v" }, "has 129 characters, more than 128" },
        { "tag value long", o => o.Tags = new Dictionary<string, string> { ["k"] = new string('v', 257) }, "Tags['k'] value 'vvvv" },
        { "tag key duplicate", o => o.Tags = new Dictionary<string, string>(StringComparer.Ordinal) { ["Team"] = "a", ["team"] = "b" }, "appears twice" },
        { "transitive key char", o => o.TransitiveTagKeys = ["a;b"], "TransitiveTagKeys[0] 'a;b': character ';' (U+003B) at index 1 is not allowed" },
        { "transitive key null", o => o.TransitiveTagKeys = [null!], "TransitiveTagKeys[0] is null." },
        { "tag key bidi", o => o.Tags = new Dictionary<string, string> { ["a\u202Eb"] = "v" }, "Tags key 'a\\u202Eb': character '\\u202E' (U+202E) at index 1 is not allowed" },
        { "transitive not in tags", o => o.TransitiveTagKeys = ["missing"], "TransitiveTagKeys[0] 'missing' must also be a key of Tags" },
        { "source identity aws", o => o.SourceIdentity = "aws:alice", "SourceIdentity 'aws:alice': character ':' (U+003A) at index 3 is not allowed" },
        { "source identity char", o => o.SourceIdentity = "a b", "SourceIdentity 'a b': character ' ' (U+0020) at index 1" },
        { "mfa without provider", o => o.MfaSerialNumber = "arn:aws:iam::123456789012:mfa/alice", "TokenCodeProvider is required" },
        { "mfa serial short", o => { o.MfaSerialNumber = "short"; o.TokenCodeProvider = _ => new("123456"); }, "MfaSerialNumber 'short': has 5 characters, fewer than 9" },
        { "advisory below mandatory", o => { o.AdvisoryRefreshWindow = TimeSpan.FromSeconds(30); }, "must be longer than MandatoryRefreshWindow" },
        { "advisory beyond lifetime", o => { o.AdvisoryRefreshWindow = TimeSpan.FromHours(2); }, "must be shorter than the session lifetime" },
        { "mandatory not positive", o => o.MandatoryRefreshWindow = TimeSpan.Zero, "MandatoryRefreshWindow must be positive" },
        { "service url", o => o.ServiceUrl = "not a url", "ServiceUrl 'not a url' is not an absolute http:// or https:// URL" },
        { "retries", o => o.MaxStsRetries = 11, "MaxStsRetries must be between 0 and 10" },
        { "timeout", o => o.StsRequestTimeout = TimeSpan.Zero, "StsRequestTimeout must be between 10 ms and 1 day" },
        { "mfa timeout", o => o.MfaTokenCodeTimeout = TimeSpan.FromHours(2), "MfaTokenCodeTimeout must be between 1 second and 1 hour" },
        { "chain hop", o => o.Chain = [new AssumeRoleHopOptions { RoleArn = "arn:aws:iam::123456789012:user/bad" }], "Chain[0].RoleArn 'arn:aws:iam::123456789012:user/bad': is not a role ARN" },
        { "chain depth", o => o.Chain = Enumerable.Range(0, 10).Select(i => new AssumeRoleHopOptions { RoleArn = $"arn:aws:iam::123456789012:role/H{i}" }).ToList(), "Chain has 11 hops; at most 10" },
        { "source identity changes", o => { o.Chain = [new AssumeRoleHopOptions { RoleArn = Role, SourceIdentity = "alice" }]; o.SourceIdentity = "bob"; }, "differs from 'alice'" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Validate_RuleBroken_MessageNamesFieldAndRule(string rule, Action<AssumeRoleOptions> breakIt, string expected)
    {
        var options = new AssumeRoleOptions { RoleArn = Role };
        breakIt(options);

        var failures = AssumeRoleOptionsValidator.Validate(options, "billing");

        Assert.True(failures.Count > 0, rule);
        Assert.Contains(failures, f => f.Contains(expected, StringComparison.Ordinal) && f.StartsWith("Role 'billing': ", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_EveryParameterAtItsLimit_Passes()
    {
        var options = new AssumeRoleOptions
        {
            RoleArn = "arn:aws-us-gov:iam::123456789012:role/path/to/Role+=,.@-_",
            RoleSessionName = new string('s', 64),
            ExternalId = new string('e', 1224),
            DurationSeconds = 43200,
            Policy = "{\"p\":\"" + new string('p', 2040) + "\"}",
            PolicyArns = Enumerable.Range(0, 10).Select(i => $"arn:aws:iam::aws:policy/P{i}").ToList(),
            Tags = Enumerable.Range(0, 50).ToDictionary(i => $"k{i}", i => new string('v', 256)),
            TransitiveTagKeys = ["k1", "k2"],
            SourceIdentity = "alice@example.com",
            MfaSerialNumber = "arn:aws:iam::123456789012:mfa/alice",
            TokenCodeProvider = _ => new ValueTask<string>("123456"),
        };

        Assert.Empty(AssumeRoleOptionsValidator.Validate(options));
    }

    [Fact]
    public void Validate_ExternalIdInvalid_NeverEchoesTheValue()
    {
        var options = new AssumeRoleOptions { RoleArn = Role, ExternalId = "secret value!" };

        var failures = AssumeRoleOptionsValidator.Validate(options);

        Assert.DoesNotContain(failures, f => f.Contains("secret value!", StringComparison.Ordinal));
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsArgumentExceptionBeforeAnyStsCall()
    {
        var engine = new Fakes.TestEngine();

        var ex = Assert.Throws<ArgumentException>(() => engine.Create(o => o.DurationSeconds = 100));

        Assert.Equal("options", ex.ParamName);
        Assert.Contains("DurationSeconds must be between 900 and 43200; got 100", ex.Message);
        Assert.Equal(0, engine.Sts.CallCount);
    }

    [Theory]
    [InlineData("My Service@host/1", "My-Service@host-1")]
    [InlineData("a", "assume-role-session")]
    [InlineData("ünïcode:name", "-n-code-name")]
    public void SanitizeSessionName_DisallowedCharacters_AreReplaced(string input, string expected)
    {
        var sanitized = AssumeRole.Extensions.Refresh.HopSpec.SanitizeSessionName(input);

        Assert.Equal(expected, sanitized);
    }

    [Fact]
    public void DefaultSessionName_MatchesStsPattern()
    {
        var name = AssumeRole.Extensions.Refresh.HopSpec.DefaultSessionName();

        Assert.Matches(@"^[A-Za-z0-9_+=,.@-]{2,64}\z", name);
    }
}
