using AssumeRole.Extensions.Caching;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Profiles;
using AssumeRole.Extensions.Testing;
using Amazon.Runtime;

namespace AssumeRole.Extensions.IntegrationTests.Caching;

/// <summary>
/// The AWS CLI's cache names leave out the source credentials, and the "unchanged since FromProfile" check looked only
/// at the hop's own parameters: a <c>FromProfile("dev")</c> whose <c>SourceCredentials</c> were replaced (bob's keys
/// instead of the profile's alice) read alice's session, and so did one given <c>ProvidedContexts</c>. The CLI's names
/// are now used only while the chain still starts from the profile's source through the profile's hops, and a hop
/// with provided contexts is not the profile's call.
/// </summary>
public sealed class IssuesTestsAwsCliNameIgnoresSource : IAsyncLifetime
{
    private const string DevRole = "arn:aws:iam::123456789012:role/dev/Developer";
    private readonly string _home = Path.Combine(Path.GetTempPath(), "assume-role-cli-source-" + Guid.NewGuid().ToString("N"));
    private EmulatorFixture _sts = null!;
    private EmulatedUser _alice = null!;
    private EmulatedUser _bob = null!;
    private Dictionary<string, string?> _environment = null!;

    private string CacheDirectory => Path.Combine(_home, ".aws", "cli", "cache");

    public async ValueTask InitializeAsync()
    {
        _sts = await EmulatorFixture.StartAsync();
        _alice = _sts.Emulator.AddUser("alice");
        _bob = _sts.Emulator.AddUser("bob");
        _sts.Emulator.AddRole(DevRole);
        Directory.CreateDirectory(_home);
        var config = Path.Combine(_home, "config");
        var credentials = Path.Combine(_home, "credentials");
        await File.WriteAllTextAsync(config, $"[profile dev]\nrole_arn = {DevRole}\nsource_profile = base\nrole_session_name = dev-session\n\n[profile base]\nregion = us-east-1\n");
        await File.WriteAllTextAsync(credentials, $"[base]\naws_access_key_id = {_alice.AccessKeyId}\naws_secret_access_key = {_alice.SecretAccessKey}\n");
        _environment = new Dictionary<string, string?>
        {
            ["HOME"] = _home,
            ["AWS_CONFIG_FILE"] = config,
            ["AWS_SHARED_CREDENTIALS_FILE"] = credentials,
            ["AWS_ENDPOINT_URL_STS"] = _sts.Emulator.Endpoint.ToString(),
            ["AWS_DEFAULT_REGION"] = "us-east-1",
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _sts.DisposeAsync();
        Directory.Delete(_home, recursive: true);
    }

    [Fact]
    public async Task FromProfile_SourceCredentialsReplacedAfterwards_DoesNotReadTheProfileSourcesSession()
    {
        var alices = await AssumeAsync(Profile("dev"));

        var options = Profile("dev");
        options.SourceCredentials = new BasicAWSCredentials(_bob.AccessKeyId, _bob.SecretAccessKey);
        var bobs = await AssumeAsync(options);

        Assert.NotEqual(alices, bobs);
        Assert.Equal(2, _sts.Emulator.CountCalls("AssumeRole", DevRole));
    }

    [Fact]
    public async Task FromProfile_ProvidedContextsAddedAfterwards_DoesNotReadThePlainSession()
    {
        var plain = await AssumeAsync(Profile("dev"));

        var options = Profile("dev");
        options.ProvidedContexts = [new AssumeRoleProvidedContext { ProviderArn = "arn:aws:iam::aws:contextProvider/IdentityCenter", ContextAssertion = "assertion-of-carol" }];
        var withContext = await AssumeAsync(options);

        Assert.NotEqual(plain, withContext);
        Assert.Equal(2, _sts.Emulator.CountCalls("AssumeRole", DevRole));
    }

    [Fact]
    public async Task FromProfile_Unchanged_SharesTheSessionUnderTheCliName()
    {
        var first = await AssumeAsync(Profile("dev"));
        var second = await AssumeAsync(Profile("dev"));

        Assert.Equal(first, second);
        Assert.Equal(1, _sts.Emulator.CountCalls("AssumeRole", DevRole));
        Assert.Single(Directory.GetFiles(CacheDirectory));
    }

    private AssumeRoleOptions Profile(string name)
    {
        var options = ProfileChainBuilder.Build(name, null, n => _environment.TryGetValue(n, out var v) ? v : null);
        options.FileCacheDirectory = CacheDirectory;
        return options;
    }

    /// <summary>One "process": its own session cache and clock; returns the access key it got.</summary>
    private async Task<string> AssumeAsync(AssumeRoleOptions options)
    {
        using var provider = new AssumeRoleCredentials(options, _sts.Time, null);
        var key = (await provider.GetCredentialsAsync(TestContext.Current.CancellationToken)).AccessKey;
        await ((CachedSessionFetcher)provider.Session.Fetcher).PendingBackground;
        return key;
    }
}
