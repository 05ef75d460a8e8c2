using AssumeRole.Extensions.Caching;
using AssumeRole.Extensions.Refresh;

namespace AssumeRole.Extensions.Tests.Caching;

/// <summary>
/// The AWS CLI's cache names (botocore's <c>AssumeRoleCredentialFetcher._create_cache_key</c>). The expected values
/// were produced by botocore's own recipe, <c>sha1(json.dumps(args, sort_keys=True))</c>, in Python 3.11; the real CLI
/// is the judge in the integration tests (<c>AwsCliCacheInteropTests</c>).
/// </summary>
public sealed class AwsCliCacheNameTests
{
    private const string Ops = "arn:aws:iam::123456789012:role/Ops";

    [Fact]
    public void Of_RoleOnly_IsSha1OfPythonJson()
    {
        var profile = new AwsProfileHop("arn:aws:iam::123456789012:role/dev/Developer", null, null, null, null);

        Assert.Equal("2112e02dbc55893cb7850736c9c66f8014dee186", AwsCliCacheName.Of(profile));
    }

    [Fact]
    public void Of_EveryProfileKeyWithCharactersJsonEscapes_MatchesPythonJsonDumps()
    {
        var profile = new AwsProfileHop(Ops, "alice@example.com", "tenant \"42\" \\ é 😀", "arn:aws:iam::123456789012:mfa/alice", 43200);

        Assert.Equal("fe7fafabec42a7b273ff749c4bcee58a34335a0d", AwsCliCacheName.Of(profile));
    }

    [Fact]
    public void PythonJsonDumps_SortedKeysNumbersAndAsciiEscapes_AsPythonWritesThem()
    {
        var json = AwsCliCacheName.PythonJsonDumps(new SortedDictionary<string, object>(StringComparer.Ordinal)
        {
            ["RoleArn"] = "a+b/c",
            ["DurationSeconds"] = 900,
            ["ExternalId"] = "é\n\u007f",
        });

        Assert.Equal("{\"DurationSeconds\": 900, \"ExternalId\": \"\\u00e9\\n\\u007f\", \"RoleArn\": \"a+b/c\"}", json);
    }

    [Theory]
    [InlineData("~/.aws/cli/cache", true)]
    [InlineData("/home/dev/.aws/cli/cache/", true)]
    [InlineData("/home/dev/.aws/cli/cache2", false)]
    [InlineData("/var/cache/assume-role", false)]
    public void IsAwsCliCacheDirectory_ByLayout(string directory, bool expected) =>
        Assert.Equal(expected, AwsCliCacheName.IsAwsCliCacheDirectory(directory));

    [Fact]
    public void For_HopChangedAfterFromProfile_HasNoCliName()
    {
        var profile = new AwsProfileHop(Ops, "oncall", null, null, null);
        var options = new AssumeRoleOptions { RoleArn = Ops, RoleSessionName = "oncall" };
        var unchanged = new HopSpec(options, options, 0, 1, null);
        options.Tags["team"] = "payments";
        var tagged = new HopSpec(options, options, 0, 1, null);

        Assert.Equal(AwsCliCacheName.Of(profile), AwsCliCacheName.For(unchanged, profile, sessionNameSet: true));
        Assert.Null(AwsCliCacheName.For(tagged, profile, sessionNameSet: true));
        Assert.Null(AwsCliCacheName.For(unchanged, profile with { DurationSeconds = 7200 }, sessionNameSet: true));
    }

    [Fact]
    public void FromProfile_EveryHop_CarriesWhatTheProfileSays()
    {
        var directory = Directory.CreateTempSubdirectory("assume-role-profile-").FullName;
        try
        {
            var config = Path.Combine(directory, "config");
            File.WriteAllText(config, $"[profile target]\nrole_arn = {Ops}\nsource_profile = hub\nrole_session_name = oncall\nduration_seconds = 3600\n\n[profile hub]\nrole_arn = arn:aws:iam::111111111111:role/Hub\nsource_profile = base\nexternal_id = x-1\n\n[profile base]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = secret\n");
            var options = AssumeRole.Extensions.Profiles.ProfileChainBuilder.Build("target", null, name => name == "AWS_CONFIG_FILE" ? config : name == "AWS_SHARED_CREDENTIALS_FILE" ? Path.Combine(directory, "none") : null);

            Assert.Equal(new AwsProfileHop(Ops, "oncall", null, null, 3600), options.FromAwsProfile);
            Assert.Equal(new AwsProfileHop("arn:aws:iam::111111111111:role/Hub", null, "x-1", null, null), Assert.Single(options.Chain).FromAwsProfile);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
