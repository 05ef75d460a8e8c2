using AssumeRole.Extensions.Validation;

namespace AssumeRole.Extensions.Tests.Validation;

/// <summary>
/// One test per row of the README's table of STS's input rules: values at and just past each limit, and the Unicode
/// look-alikes that STS's ASCII patterns refuse (issue #13, item 1). The differential test against the emulator and
/// moto (integration tests, <c>StsConstraintsDifferentialTests</c>) covers the same rows with generated values.
/// </summary>
public sealed class StsConstraintsTests
{
    private static readonly string Arabic3 = "\u0663";      // ARABIC-INDIC DIGIT THREE: \d in .NET, not in Java
    private static readonly string Fullwidth1 = "\uFF11";   // FULLWIDTH DIGIT ONE
    private static readonly string MathBoldA = "\U0001D400"; // a letter outside the BMP (\p{L} per code point)

    public static TheoryData<string, string, bool> Rows => new()
    {
        // RoleArn: 20–2048, arn:PARTITION:iam::ACCOUNT:role/[path/]NAME, ASCII.
        { "RoleArn", "arn:aws:iam::123456789012:role/R", true },
        { "RoleArn", "arn:aws-us-gov:iam::123456789012:role/path/to/R+=,.@-_", true },
        { "RoleArn", "arn:aws-eusc:iam::123456789012:role/R", true },
        { "RoleArn", "arn:aws:iam::" + Arabic3 + "23456789012:role/R", false },
        { "RoleArn", "arn:aws:iam::123456789012:role/Rölle", false },
        { "RoleArn", "arn:aws:iam::123456789012:role/R\n", false },
        { "RoleArn", "arn:aws:iam::123456789012:user/R", false },
        { "RoleArn", "arn:AWS:iam::123456789012:role/R", false },
        { "RoleArn", "arn:aws:iam::123456789012:role/" + new string('r', 64), true },
        { "RoleArn", "arn:aws:iam::123456789012:role/" + new string('r', 65), false },
        { "RoleArn", "arn:aws:iam::123456789012:role/" + new string('p', 2048 - 33) + "/R", true },
        { "RoleArn", "arn:aws:iam::123456789012:role/" + new string('p', 2048 - 32) + "/R", false },

        // RoleSessionName: 2–64 of [\w+=,.@-], ASCII.
        { "RoleSessionName", "ab", true },
        { "RoleSessionName", new string('a', 64), true },
        { "RoleSessionName", new string('a', 65), false },
        { "RoleSessionName", "a", false },
        { "RoleSessionName", "José", false },
        { "RoleSessionName", "a" + Arabic3, false },
        { "RoleSessionName", "a:b", false },
        { "RoleSessionName", "a\u202Eb", false },

        // ExternalId: 2–1224 of [\w+=,.@:/-], ASCII.
        { "ExternalId", "ab", true },
        { "ExternalId", "tenant:42/a=b,c.d@e-f_g+h", true },
        { "ExternalId", new string('e', 1224), true },
        { "ExternalId", new string('e', 1225), false },
        { "ExternalId", "é1", false },
        { "ExternalId", "a b", false },

        // MfaSerialNumber: 9–256 of [\w+=/:,.@-], ASCII.
        { "MfaSerialNumber", "arn:aws:iam::123456789012:mfa/alice", true },
        { "MfaSerialNumber", "GAHT12345678", true },
        { "MfaSerialNumber", "12345678", false },
        { "MfaSerialNumber", "GAHT" + Fullwidth1 + "2345678", false },
        { "MfaSerialNumber", new string('s', 257), false },

        // TokenCode: exactly 6 of [0-9].
        { "TokenCode", "123456", true },
        { "TokenCode", "12345", false },
        { "TokenCode", "1234567", false },
        { "TokenCode", "12345" + Arabic3, false },
        { "TokenCode", Fullwidth1 + "23456", false },

        // SourceIdentity: 2–64 of [\w+=,.@-], ASCII, not aws:.
        { "SourceIdentity", "alice@example.com", true },
        { "SourceIdentity", "aws:alice", false },
        { "SourceIdentity", "ålice", false },

        // Policy: 1–2048, [\u0009\u000A\u000D\u0020-\u00FF], a JSON object.
        { "Policy", """{"Version":"2012-10-17","Statement":[]}""", true },
        { "Policy", "{\"Sid\":\"caf\u00E9\"}", true },
        { "Policy", "{\"Sid\":\"\u20AC\"}", false },
        { "Policy", "{\"Sid\":\"\u0001\"}", false },
        { "Policy", "not json", false },
        { "Policy", "[]", false },
        { "Policy", string.Empty, false },
        { "Policy", "{\"a\":\"" + new string('x', 2040) + "\"}", true },
        { "Policy", "{\"a\":\"" + new string('x', 2041) + "\"}", false },

        // PolicyArns entry: 20–2048, arn:PARTITION:iam::ACCOUNT|aws:policy/[path/]NAME.
        { "PolicyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess", true },
        { "PolicyArn", "arn:aws:iam::123456789012:policy/team/Deploy", true },
        { "PolicyArn", "arn:aws:iam::123456789012:role/NotAPolicy", false },
        { "PolicyArn", "arn:aws:iam::aws:policy/Read" + Arabic3, false },

        // Tag key 1–128 and value 0–256 of [\p{L}\p{Z}\p{N}_.:/=+\-@] (Unicode, per code point).
        { "TagKey", "Team", true },
        { "TagKey", "Équipe 東京 ١٢", true },
        { "TagKey", MathBoldA, true },
        { "TagKey", "a" + "\uD835", false },
        { "TagKey", "a\nb", false },
        { "TagKey", "a;b", false },
        { "TagKey", string.Empty, false },
        { "TagKey", new string('k', 128), true },
        { "TagKey", new string('k', 129), false },
        { "TagValue", string.Empty, true },
        { "TagValue", "payments/eu=1+2@x:y_z.-", true },
        { "TagValue", "a\u202Eb", false },
        { "TagValue", "<script>", false },
        { "TagValue", new string('v', 256), true },
        { "TagValue", new string('v', 257), false },

        // ProvidedContexts: ProviderArn 20–2048 of STS's ARN characters; ContextAssertion 4–2048.
        { "ProviderArn", "arn:aws:iam::aws:contextProvider/IdentityCenter", true },
        { "ProviderArn", "arn:aws:iam::aws:contextProvider/" + MathBoldA, false },
        { "ProviderArn", "arn:aws:iam::aws:contextProvider/\u0001", false },
        { "ProviderArn", "arn:aws:iam::aws:x", false },
        { "ContextAssertion", "abcd", true },
        { "ContextAssertion", "abc", false },
        { "ContextAssertion", new string('c', 2049), false },

        // WebIdentityToken: 4–20000.
        { "WebIdentityToken", new string('t', 20000), true },
        { "WebIdentityToken", new string('t', 20001), false },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Rule_Value_VerdictAsSts(string row, string value, bool valid)
    {
        var rule = RuleOf(row);

        Assert.Equal(valid, rule.IsValid(value));
        Assert.Equal(valid, rule.Check(value) is null);
    }

    [Theory]
    [InlineData(899, false)]
    [InlineData(900, true)]
    [InlineData(43200, true)]
    [InlineData(43201, false)]
    public void CheckRange_AssumeRoleDuration_VerdictAsSts(int seconds, bool valid) =>
        Assert.Equal(valid, StsConstraints.CheckRange("DurationSeconds", seconds, StsConstraints.MinDuration, StsConstraints.MaxDuration) is null);

    [Theory]
    [InlineData(129600, true)]
    [InlineData(129601, false)]
    public void CheckRange_SessionTokenDuration_VerdictAsSts(int seconds, bool valid) =>
        Assert.Equal(valid, StsConstraints.CheckRange("DurationSeconds", seconds, StsConstraints.MinDuration, StsConstraints.MaxSessionTokenDuration) is null);

    [Theory]
    [InlineData("eu-west-1", true)]
    [InlineData("us-gov-west-1", true)]
    [InlineData("us-isob-east-1", true)]
    [InlineData("xx-newplace-9", true)]
    [InlineData("EU-WEST-1", false)]
    [InlineData("eu west 1", false)]
    [InlineData("europe", false)]
    [InlineData("eu-west-1\n", false)]
    public void CheckRegion_Name_AcceptedWhenKnownOrRegionShaped(string region, bool valid) =>
        Assert.Equal(valid, StsConstraints.CheckRegion("Region", region) is null);

    [Theory]
    [InlineData("https://sts.eu-west-1.amazonaws.com", true)]
    [InlineData("http://127.0.0.1:4566/", true)]
    [InlineData("file:///etc/passwd", false)]
    [InlineData("ftp://sts.example.com", false)]
    [InlineData("sts.eu-west-1.amazonaws.com", false)]
    [InlineData("https://user:pw@sts.example.com", false)]
    [InlineData("https://sts.example.com/?x=1", false)]
    public void CheckServiceUrl_Url_OnlyAbsoluteHttp(string url, bool valid) =>
        Assert.Equal(valid, StsConstraints.CheckServiceUrl("ServiceUrl", url) is null);

    [Fact]
    public void Check_Secret_ShowsOnlyTheLength()
    {
        var message = StsConstraints.ExternalId.Check("s3cr3t value");

        Assert.Equal("ExternalId (secret, 12 characters, not shown): has a character that is not allowed; expected [A-Za-z0-9_+=,.@:/-], 2–1224 characters.", message);
    }

    internal static StringRule RuleOf(string row) => row switch
    {
        "RoleArn" => StsConstraints.RoleArn,
        "RoleSessionName" => StsConstraints.RoleSessionName,
        "ExternalId" => StsConstraints.ExternalId,
        "MfaSerialNumber" => StsConstraints.SerialNumber,
        "TokenCode" => StsConstraints.TokenCode,
        "SourceIdentity" => StsConstraints.SourceIdentity,
        "Policy" => StsConstraints.Policy,
        "PolicyArn" => StsConstraints.PolicyArn,
        "TagKey" => StsConstraints.TagKey,
        "TagValue" => StsConstraints.TagValue,
        "ProviderArn" => StsConstraints.ProviderArn,
        "ContextAssertion" => StsConstraints.ContextAssertion,
        "WebIdentityToken" => StsConstraints.WebIdentityToken,
        _ => throw new ArgumentOutOfRangeException(nameof(row), row, null),
    };
}
