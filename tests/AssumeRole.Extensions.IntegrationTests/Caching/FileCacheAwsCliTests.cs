using AssumeRole.Extensions.Caching;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Testing;

namespace AssumeRole.Extensions.IntegrationTests.Caching;

/// <summary>The file cache's format against an independent writer: the AWS CLI's own <c>~/.aws/cli/cache</c>.</summary>
public sealed class FileCacheAwsCliTests : IAsyncLifetime
{
    private const string RoleArn = "arn:aws:iam::123456789012:role/dev/Developer";
    private readonly string _home = Path.Combine(Path.GetTempPath(), "assume-role-cli-" + Guid.NewGuid().ToString("N"));
    private EmulatorFixture _sts = null!;

    public async ValueTask InitializeAsync()
    {
        _sts = await EmulatorFixture.StartAsync();
        Directory.CreateDirectory(_home);
    }

    public async ValueTask DisposeAsync()
    {
        await _sts.DisposeAsync();
        Directory.Delete(_home, recursive: true);
    }

    [Fact]
    public async Task CliWrittenCacheFile_IsReadByOurFileCacheFormat()
    {
        RequiresServer.Available(ExecutableLocator.Find("aws") is not null, "The AWS CLI is not installed.");
        var user = _sts.Emulator.AddUser("dev");
        _sts.Emulator.AddRole(RoleArn);
        var config = Path.Combine(_home, "config");
        var credentials = Path.Combine(_home, "credentials");
        await File.WriteAllTextAsync(config, $"[profile dev]\nrole_arn = {RoleArn}\nsource_profile = base\nrole_session_name = cli-session\n\n[profile base]\nregion = us-east-1\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(credentials, $"[base]\naws_access_key_id = {user.AccessKeyId}\naws_secret_access_key = {user.SecretAccessKey}\n", TestContext.Current.CancellationToken);

        var result = await ProcessRunner.RunAsync(
            ExecutableLocator.Find("aws")!,
            ["sts", "get-caller-identity", "--profile", "dev", "--output", "json"],
            new Dictionary<string, string?>
            {
                ["HOME"] = _home,
                ["AWS_CONFIG_FILE"] = config,
                ["AWS_SHARED_CREDENTIALS_FILE"] = credentials,
                ["AWS_ENDPOINT_URL_STS"] = _sts.Emulator.Endpoint.ToString(),
                ["AWS_DEFAULT_REGION"] = "us-east-1",
                ["AWS_EC2_METADATA_DISABLED"] = "true",
                ["AWS_PAGER"] = string.Empty,
            },
            clearAwsEnvironment: true,
            TimeSpan.FromSeconds(60),
            TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.ToString());
        var issued = Assert.Single(_sts.Emulator.Calls, c => c.Action == "AssumeRole");
        var file = Assert.Single(Directory.GetFiles(Path.Combine(_home, ".aws", "cli", "cache"), "*.json"));
        var parsed = CachedSessionDocument.Deserialize(await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken));

        Assert.NotNull(parsed);
        Assert.Equal(issued.IssuedAccessKeyId, parsed!.Credentials.AccessKey);
        Assert.Equal(issued.IssuedExpiration!.Value.UtcDateTime, parsed.ExpirationUtc);
        Assert.Equal("arn:aws:sts::123456789012:assumed-role/Developer/cli-session", parsed.AssumedRoleArn);
        Assert.Equal("123456789012", parsed.Credentials.AccountId);
    }
}
