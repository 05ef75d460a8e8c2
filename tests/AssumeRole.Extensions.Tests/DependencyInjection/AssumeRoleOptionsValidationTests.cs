using AssumeRole.Extensions.Tests.Fakes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AssumeRole.Extensions.Tests.DependencyInjection;

/// <summary>Every validation rule stops a real host at start, with a message naming the role, the field and the rule.</summary>
public sealed class AssumeRoleOptionsValidationTests
{
    private const string Role = "payments";
    private const string P = "AssumeRole:Roles:payments:";

    public static TheoryData<string, Dictionary<string, string?>, string> ConfigRules()
    {
        static Dictionary<string, string?> Valid(params (string Key, string? Value)[] overrides)
        {
            var values = new Dictionary<string, string?> { [P + "RoleArn"] = TestEngine.RoleArn };
            foreach (var (key, value) in overrides)
            {
                values[P + key] = value;
            }

            return values;
        }

        static (string, string?)[] Many(string prefix, int count, Func<int, string> value) =>
            [.. Enumerable.Range(0, count).Select(i => (prefix + i, (string?)value(i)))];

        var data = new TheoryData<string, Dictionary<string, string?>, string>
        {
            { "RoleArn required", Valid(("RoleArn", null)), "RoleArn is required" },
            { "RoleArn format", Valid(("RoleArn", "arn:aws:iam::123:role/x")), "RoleArn 'arn:aws:iam::123:role/x': is not a role ARN" },
            { "RoleSessionName length", Valid(("RoleSessionName", "a")), "RoleSessionName 'a': has 1 characters, fewer than 2; expected [A-Za-z0-9_+=,.@-], 2–64 characters" },
            { "RoleSessionName characters", Valid(("RoleSessionName", "has space")), "RoleSessionName 'has space': character ' ' (U+0020) at index 3 is not allowed" },
            { "ExternalId", Valid(("ExternalId", "x")), "ExternalId (secret, 1 characters, not shown): has 1 characters, fewer than 2" },
            { "DurationSeconds range", Valid(("DurationSeconds", "100")), "DurationSeconds must be between 900 and 43200; got 100" },
            { "Policy length", Valid(("Policy", new string('x', 2049))), "Policy 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…' (2049 characters): has 2049 characters, more than 2048" },
            { "PolicyArns count", Valid(Many("PolicyArns:", 11, i => $"arn:aws:iam::123456789012:policy/p{i}")), "PolicyArns may hold at most 10 ARNs; got 11" },
            { "PolicyArns entry", Valid(("PolicyArns:0", "nope")), "PolicyArns[0] 'nope': has 4 characters, fewer than 20" },
            { "Tags count", Valid(Many("Tags:k", 51, i => "v")), "Tags may hold at most 50 tags; got 51" },
            { "Tags key length", Valid(("Tags:" + new string('k', 129), "v")), "has 129 characters, more than 128" },
            { "Tags value length", Valid(("Tags:Team", new string('v', 257))), "Tags['Team'] value 'vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv…' (257 characters): has 257 characters, more than 256" },
            { "TransitiveTagKeys count", Valid(Many("TransitiveTagKeys:", 51, i => "k" + i)), "TransitiveTagKeys may hold at most 50 keys; got 51" },
            { "TransitiveTagKeys in Tags", Valid(("TransitiveTagKeys:0", "Team")), "TransitiveTagKeys[0] 'Team' must also be a key of Tags" },
            { "SourceIdentity format", Valid(("SourceIdentity", "x")), "SourceIdentity 'x': has 1 characters, fewer than 2" },
            { "SourceIdentity along chain", Valid(("Chain:0:RoleArn", DiTestHost.OtherRoleArn), ("Chain:0:SourceIdentity", "alice"), ("SourceIdentity", "bob")), "SourceIdentity 'bob' differs from 'alice'" },
            { "MfaSerialNumber format", Valid(("MfaSerialNumber", "short")), "MfaSerialNumber 'short': has 5 characters, fewer than 9" },
            { "MfaSerialNumber needs TokenCodeProvider", Valid(("MfaSerialNumber", "arn:aws:iam::123456789012:mfa/alice")), "MfaSerialNumber is set, so TokenCodeProvider is required" },
            { "ServiceUrl absolute", Valid(("ServiceUrl", "not a url")), "ServiceUrl 'not a url' is not an absolute http:// or https:// URL" },
            { "Chain hop rules", Valid(("Chain:0:RoleArn", "bad")), "Chain[0].RoleArn 'bad': has 3 characters, fewer than 20" },
            { "Chain depth", Valid(Many("Chain:", 10, i => "x").Select(k => (k.Item1 + ":RoleArn", (string?)$"arn:aws:iam::123456789012:role/hop{k.Item1[^1]}")).ToArray()), "Chain has 11 hops; at most 10 are allowed" },
            { "MandatoryRefreshWindow positive", Valid(("MandatoryRefreshWindow", "00:00:00")), "MandatoryRefreshWindow must be positive" },
            { "AdvisoryRefreshWindow above mandatory", Valid(("AdvisoryRefreshWindow", "00:00:30")), "AdvisoryRefreshWindow (00:00:30) must be longer than MandatoryRefreshWindow (00:01:00)" },
            { "AdvisoryRefreshWindow below lifetime", Valid(("AdvisoryRefreshWindow", "02:00:00")), "AdvisoryRefreshWindow (02:00:00) must be shorter than the session lifetime (01:00:00)" },
            { "StsRequestTimeout range", Valid(("StsRequestTimeout", "00:00:00")), "StsRequestTimeout must be between 10 ms and 1 day" },
            { "MaxStsRetries range", Valid(("MaxStsRetries", "11")), "MaxStsRetries must be between 0 and 10; got 11" },
            { "StrictChainDurations", Valid(("Chain:0:RoleArn", DiTestHost.OtherRoleArn), ("DurationSeconds", "7200"), ("StrictChainDurations", "true")), "asks for DurationSeconds 7200 but is a chained hop" },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(ConfigRules))]
    public async Task StartAsync_InvalidConfiguration_FailsNamingRoleFieldAndRule(string rule, Dictionary<string, string?> values, string expected)
    {
        var message = await StartAndGetFailureAsync(values, _ => { });

        Assert.Contains($"Role '{Role}': ", message);
        Assert.Contains(expected, message);
        Assert.False(string.IsNullOrEmpty(rule));
    }

    [Fact]
    public async Task StartAsync_InvalidExternalId_NeverEchoesTheValue()
    {
        var message = await StartAndGetFailureAsync(
            new Dictionary<string, string?> { [P + "RoleArn"] = TestEngine.RoleArn, [P + "ExternalId"] = "secret value!" }, _ => { });

        Assert.Contains("ExternalId (secret, 13 characters, not shown): has a character that is not allowed", message);
        Assert.DoesNotContain("secret value!", message);
    }

    [Fact]
    public async Task StartAsync_TagKeysDifferingOnlyInCase_Fails()
    {
        var message = await StartAndGetFailureAsync(
            new Dictionary<string, string?> { [P + "RoleArn"] = TestEngine.RoleArn },
            o => o.Tags = new Dictionary<string, string>(StringComparer.Ordinal) { ["team"] = "a", ["Team"] = "b" });

        Assert.Contains($"Role '{Role}': Tags key 'Team' appears twice", message);
    }

    [Fact]
    public async Task StartAsync_EmptyPolicy_Fails()
    {
        // Configuration binding turns an empty value into "no value", so this rule is reachable from code only.
        var message = await StartAndGetFailureAsync(
            new Dictionary<string, string?> { [P + "RoleArn"] = TestEngine.RoleArn },
            o => o.Policy = string.Empty);

        Assert.Contains($"Role '{Role}': Policy '': has 0 characters, fewer than 1", message);
    }

    [Fact]
    public async Task StartAsync_NullChainEntry_Fails()
    {
        var message = await StartAndGetFailureAsync(
            new Dictionary<string, string?> { [P + "RoleArn"] = TestEngine.RoleArn },
            o => o.Chain.Add(null!));

        Assert.Contains($"Role '{Role}': Chain[0] is null.", message);
    }

    [Fact]
    public async Task StartAsync_DefaultRoleInvalid_NamesItDefault()
    {
        var engine = new TestEngine();
        using var host = DiTestHost.BuildHost(engine, (s, _) => s.AddAssumeRole(o => o.DurationSeconds = 5));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Role 'default': RoleArn is required.", ex.Message);
        Assert.Contains("Role 'default': DurationSeconds must be between 900 and 43200; got 5.", ex.Message);
    }

    [Fact]
    public async Task StartAsync_ValidRoles_StartsWithoutCallingSts()
    {
        var engine = new TestEngine();
        using var host = DiTestHost.BuildHost(engine, (s, _) =>
        {
            s.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn);
            s.AddAssumeRole("other", o => o.RoleArn = DiTestHost.OtherRoleArn);
        });

        await host.StartAsync(TestContext.Current.CancellationToken);
        await host.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, engine.Sts.CallCount);
    }

    [Fact]
    public void Validate_OptionsOfUnregisteredName_AreNotOurs()
    {
        var services = new ServiceCollection();
        services.UseEngine(new TestEngine());
        services.AddAssumeRole("billing", o => o.RoleArn = TestEngine.RoleArn);
        using var sp = services.BuildServiceProvider();

        // Someone else's named AssumeRoleOptions (never registered as a role) is not validated by us.
        var other = sp.GetRequiredService<IOptionsMonitor<AssumeRoleOptions>>().Get("not-a-role");

        Assert.Null(other.RoleArn);
    }

    private static async Task<string> StartAndGetFailureAsync(Dictionary<string, string?> values, Action<AssumeRoleOptions> configure)
    {
        var engine = new TestEngine();
        using var host = DiTestHost.BuildHost(
            engine,
            (s, config) => s.AddAssumeRole(Role, config.GetSection("AssumeRole:Roles:" + Role)).Configure((o, _) => configure(o)),
            DiTestHost.Memory(values));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
        Assert.Equal(Role, ex.OptionsName);
        return ex.Message;
    }
}
