using AssumeRole.Extensions.Profiles;
using Amazon.Runtime;

namespace AssumeRole.Extensions.Tests.Profiles;

public sealed class ProfileChainBuilderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("profiles-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private AssumeRoleOptions Build(string config, string credentials = "", string? profile = null, Dictionary<string, string>? env = null, Func<CancellationToken, ValueTask<string>>? mfa = null)
    {
        File.WriteAllText(Path.Combine(_dir, "config"), config);
        File.WriteAllText(Path.Combine(_dir, "credentials"), credentials);
        var vars = new Dictionary<string, string>(env ?? [])
        {
            ["AWS_CONFIG_FILE"] = Path.Combine(_dir, "config"),
            ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(_dir, "credentials"),
        };
        return ProfileChainBuilder.Build(profile, mfa, k => vars.GetValueOrDefault(k));
    }

    private const string Keys = "[base]\naws_access_key_id = AKIABASEUSER00000001\naws_secret_access_key = base-secret\n";

    [Fact]
    public void Build_ThreeProfileChain_HopsInOrderWithPerProfileSettings()
    {
        var options = Build("""
            [profile ci]
            role_arn = arn:aws:iam::111111111111:role/Ci
            source_profile = base
            role_session_name = ci-session
            duration_seconds = 7200
            [profile deploy]
            role_arn = arn:aws:iam::222222222222:role/Deploy
            source_profile = ci
            external_id = ext-1234
            # a comment
            [profile glass]
            role_arn = arn:aws:iam::333333333333:role/BreakGlass
            source_profile = deploy
            region = eu-west-1
            endpoint_url = http://127.0.0.1:5000
            s3 =
              max_concurrent_requests = 10
            """, Keys, profile: "glass");

        Assert.Equal(["arn:aws:iam::111111111111:role/Ci", "arn:aws:iam::222222222222:role/Deploy"], options.Chain.Select(h => h.RoleArn));
        Assert.Equal("arn:aws:iam::333333333333:role/BreakGlass", options.RoleArn);
        Assert.Equal("ci-session", options.Chain[0].RoleSessionName);
        Assert.Equal(7200, options.Chain[0].DurationSeconds);
        Assert.Equal("ext-1234", options.Chain[1].ExternalId);
        Assert.Equal("eu-west-1", options.Region);
        Assert.Equal("http://127.0.0.1:5000", options.ServiceUrl);
        Assert.Equal("AKIABASEUSER00000001", Assert.IsType<BasicAWSCredentials>(options.SourceCredentials).GetCredentials().AccessKey);
    }

    [Fact]
    public void Build_SourceProfileWithKeysAndRoleArn_ContributesItsKeys()
    {
        var options = Build(
            "[profile top]\nrole_arn = arn:aws:iam::222222222222:role/Top\nsource_profile = mixed\n[profile mixed]\nrole_arn = arn:aws:iam::111111111111:role/Ignored\n",
            "[mixed]\naws_access_key_id = AKIAMIXEDUSER0000001\naws_secret_access_key = s\n",
            profile: "top");

        Assert.Empty(options.Chain);
        Assert.Equal("AKIAMIXEDUSER0000001", options.SourceCredentials!.GetCredentials().AccessKey);
    }

    [Fact]
    public void Build_ProfileIsItsOwnSourceWithKeys_UsesItsKeys()
    {
        var options = Build("", "[self]\naws_access_key_id = AKIASELFUSER00000001\naws_secret_access_key = s\nrole_arn = arn:aws:iam::111111111111:role/Self\nsource_profile = self\n", profile: "self");

        Assert.Equal("arn:aws:iam::111111111111:role/Self", options.RoleArn);
        Assert.Equal("AKIASELFUSER00000001", options.SourceCredentials!.GetCredentials().AccessKey);
    }

    [Fact]
    public void Build_CredentialsFileOverridesConfigKeyByKey()
    {
        var options = Build(
            "[profile a]\nrole_arn = arn:aws:iam::111111111111:role/FromConfig\nsource_profile = base\nrole_session_name = from-config\n",
            Keys + "[a]\nrole_arn = arn:aws:iam::111111111111:role/FromCredentials\n",
            profile: "a");

        Assert.Equal("arn:aws:iam::111111111111:role/FromCredentials", options.RoleArn);
        Assert.Equal("from-config", options.RoleSessionName);
    }

    [Fact]
    public void Build_NoProfileName_UsesAwsProfileThenDefault()
    {
        const string config = "[default]\nrole_arn = arn:aws:iam::111111111111:role/Default\nsource_profile = base\n[profile env]\nrole_arn = arn:aws:iam::111111111111:role/Env\nsource_profile = base\n";

        Assert.Equal("arn:aws:iam::111111111111:role/Default", Build(config, Keys).RoleArn);
        Assert.Equal("arn:aws:iam::111111111111:role/Env", Build(config, Keys, env: new() { ["AWS_PROFILE"] = "env" }).RoleArn);
    }

    [Fact]
    public void Build_Cycle_ThrowsNamingTheProfiles()
    {
        var ex = Assert.Throws<ArgumentException>(() => Build(
            "[profile a]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::111111111111:role/B\nsource_profile = c\n[profile c]\nrole_arn = arn:aws:iam::111111111111:role/C\nsource_profile = a\n",
            profile: "a"));

        Assert.Contains("cycle: 'a' → 'b' → 'c' → 'a'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_SelfReferenceWithoutKeys_IsACycle()
    {
        var ex = Assert.Throws<ArgumentException>(() => Build("[profile a]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = a\n", profile: "a"));

        Assert.Contains("cycle: 'a' → 'a'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(10, true)]
    [InlineData(11, false)]
    public void Build_DepthLimit_TenRoles(int roles, bool valid)
    {
        var config = string.Concat(Enumerable.Range(1, roles).Select(i =>
            $"[profile p{i}]\nrole_arn = arn:aws:iam::111111111111:role/R{i}\nsource_profile = {(i == 1 ? "base" : $"p{i - 1}")}\n"));

        if (valid)
        {
            Assert.Equal(9, Build(config, Keys, profile: $"p{roles}").Chain.Count);
        }
        else
        {
            var ex = Assert.Throws<ArgumentException>(() => Build(config, Keys, profile: $"p{roles}"));
            Assert.Contains($"AWS profile 'p{roles}' resolves to more than 10 roles", ex.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("[profile a]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = missing\n", "AWS profile 'a' names source_profile 'missing', which does not exist.")]
    [InlineData("[profile a]\nrole_arn = arn:aws:iam::111111111111:role/A\nrole_session_name = a b\nsource_profile = base\n", "AWS profile 'a' has role_session_name 'a b': character ' ' (U+0020) at index 1 is not allowed")]
    [InlineData("[profile a]\nrole_arn = arn:aws:iam::11111111111\u0663:role/A\nsource_profile = base\n", "AWS profile 'a' has role_arn 'arn:aws:iam::11111111111\u0663:role/A': is not a role ARN")]
    [InlineData("[profile a]\nrole_arn = arn:aws:iam::111111111111:role/A\nexternal_id = bad id\nsource_profile = base\n", "AWS profile 'a' has external_id (secret, 6 characters, not shown)")]
    [InlineData("[profile a]\nrole_arn = arn:aws:iam::111111111111:role/A\nrole_arn = arn:aws:iam::111111111111:role/B\nsource_profile = base\n", "line 3: key 'role_arn' appears twice in [profile a]")]
    [InlineData("[profile a]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = base\ncredential_source = Environment\n", "AWS profile 'a' has both source_profile and credential_source")]
    [InlineData("[profile a]\nrole_arn = arn:aws:iam::111111111111:role/A\n", "AWS profile 'a' has role_arn but neither source_profile nor credential_source.")]
    [InlineData("[profile a]\nrole_arn = arn:aws:iam::111111111111:role/A\ncredential_source = Lambda\n", "expected Environment, Ec2InstanceMetadata or EcsContainer")]
    [InlineData("[profile a]\nregion = us-east-1\n", "AWS profile 'a' has no role_arn")]
    [InlineData("[profile a]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = base\nduration_seconds = 99999999999\n", "duration_seconds '99999999999', which must be between")]
    [InlineData("[profile a]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = base\nmfa_serial = arn:aws:iam::111111111111:mfa/alice\n", "AWS profile 'a' has mfa_serial 'arn:aws:iam::111111111111:mfa/alice', so a token code provider is required")]
    public void Build_InvalidProfile_ThrowsNamingIt(string config, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => Build(config, Keys, profile: "a"));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_MissingProfile_ThrowsNamingFiles()
    {
        var ex = Assert.Throws<ArgumentException>(() => Build("", Keys, profile: "nope"));

        Assert.Contains("AWS profile 'nope' not found", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_MfaSerial_HopGetsTheProvider()
    {
        Func<CancellationToken, ValueTask<string>> codes = _ => ValueTask.FromResult("123456");

        var options = Build("[profile a]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = base\nmfa_serial = arn:aws:iam::111111111111:mfa/alice\n", Keys, profile: "a", mfa: codes);

        Assert.Equal("arn:aws:iam::111111111111:mfa/alice", options.MfaSerialNumber);
        Assert.Same(codes, options.TokenCodeProvider);
    }

    [Fact]
    public void Build_WebIdentitySourceProfile_BecomesWebIdentityFirstHop()
    {
        var options = Build(
            "[profile irsa]\nrole_arn = arn:aws:iam::111111111111:role/Pod\nweb_identity_token_file = /var/run/token\nrole_session_name = pod\n[profile a]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = irsa\n",
            profile: "a");

        Assert.Equal("arn:aws:iam::111111111111:role/Pod", options.WebIdentity!.RoleArn);
        Assert.Equal("/var/run/token", options.WebIdentity.WebIdentityTokenFile);
        Assert.Equal("pod", options.WebIdentity.RoleSessionName);
        Assert.Null(options.SourceCredentials);
        Assert.Equal("arn:aws:iam::222222222222:role/A", options.RoleArn);
    }

    [Fact]
    public void Build_EcsContainerSourceOutsideAContainer_ThrowsNamingProfile()
    {
        // The SDK's container provider reads the real environment, which has no container endpoint in a test run.
        var ex = Assert.Throws<ArgumentException>(() => Build("[profile a]\nrole_arn = arn:aws:iam::111111111111:role/A\ncredential_source = EcsContainer\n", profile: "a"));

        Assert.Contains("AWS profile 'a' has credential_source EcsContainer, which is not available here", ex.Message, StringComparison.Ordinal);
    }
}
