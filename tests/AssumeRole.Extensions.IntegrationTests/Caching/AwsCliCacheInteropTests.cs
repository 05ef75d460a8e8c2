using System.Text.Json;
using AssumeRole.Extensions.Caching;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Profiles;
using AssumeRole.Extensions.Testing;

namespace AssumeRole.Extensions.IntegrationTests.Caching;

/// <summary>
/// Issue 11 item 7 with the real AWS CLI against the STS emulator: a role read from a profile
/// (<see cref="AssumeRoleOptions.FromProfile"/>) with the CLI's cache directory as <c>FileCacheDirectory</c> reads and
/// writes the entries <c>aws --profile</c> reads and writes, in both directions, MFA included. Before, the two named
/// their files differently, so each called STS (and asked for an MFA code) again.
/// </summary>
public sealed class AwsCliCacheInteropTests : IAsyncLifetime
{
    private const string DevRole = "arn:aws:iam::123456789012:role/dev/Developer";
    private const string MfaRole = "arn:aws:iam::123456789012:role/BreakGlass";
    private const string MfaSerial = "arn:aws:iam::123456789012:mfa/alice";
    private const string ExternalId = "ext+id/with:odd=chars";

    private readonly string _home = Path.Combine(Path.GetTempPath(), "assume-role-cli-" + Guid.NewGuid().ToString("N"));
    private EmulatorFixture _sts = null!;
    private Dictionary<string, string?> _environment = null!;
    private int _mfaCodes;

    private string CacheDirectory => Path.Combine(_home, ".aws", "cli", "cache");

    public async ValueTask InitializeAsync()
    {
        _sts = await EmulatorFixture.StartAsync();
        var user = _sts.Emulator.AddUser("alice");
        user.EnableMfaDevice(MfaSerial, "111111", "222222", "333333");
        _sts.Emulator.AddRole(DevRole, r => r.RequiredExternalId = ExternalId);
        _sts.Emulator.AddRole(MfaRole, r => r.RequireMfa());
        Directory.CreateDirectory(_home);
        var config = Path.Combine(_home, "config");
        var credentials = Path.Combine(_home, "credentials");
        await File.WriteAllTextAsync(
            config,
            $"""
            [profile dev]
            role_arn = {DevRole}
            source_profile = base
            role_session_name = dev-session
            external_id = {ExternalId}
            duration_seconds = 1800

            [profile dev-unnamed]
            role_arn = {DevRole}
            source_profile = base
            external_id = {ExternalId}

            [profile breakglass]
            role_arn = {MfaRole}
            source_profile = base
            role_session_name = oncall
            mfa_serial = {MfaSerial}

            [profile base]
            region = us-east-1

            """);
        await File.WriteAllTextAsync(credentials, $"[base]\naws_access_key_id = {user.AccessKeyId}\naws_secret_access_key = {user.SecretAccessKey}\n");
        _environment = new Dictionary<string, string?>
        {
            ["HOME"] = _home,
            ["AWS_CONFIG_FILE"] = config,
            ["AWS_SHARED_CREDENTIALS_FILE"] = credentials,
            ["AWS_ENDPOINT_URL_STS"] = _sts.Emulator.Endpoint.ToString(),
            ["AWS_DEFAULT_REGION"] = "us-east-1",
            ["AWS_EC2_METADATA_DISABLED"] = "true",
            ["AWS_PAGER"] = string.Empty,
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _sts.DisposeAsync();
        Directory.Delete(_home, recursive: true);
    }

    [Fact]
    public async Task CliFirst_FromProfileWithCliCacheDirectory_UsesTheCliSessionWithoutAssumeRole()
    {
        var arn = await CliCallerArnAsync("dev");
        var written = Assert.Single(Directory.GetFiles(CacheDirectory, "*.json"));

        using var provider = FromProfile("dev");
        var credentials = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, _sts.Emulator.CountCalls("AssumeRole", DevRole));
        Assert.Equal(_sts.Emulator.Calls.Single(c => c.Action == "AssumeRole").IssuedAccessKeyId, credentials.AccessKey);
        Assert.Equal("arn:aws:sts::123456789012:assumed-role/Developer/dev-session", arn);
        Assert.Equal(Path.GetFileNameWithoutExtension(written), AwsCliCacheName.Of(new AwsProfileHop(DevRole, "dev-session", ExternalId, null, 1800)));
    }

    [Fact]
    public async Task LibraryFirst_CliWithTheSameProfile_UsesOurSessionWithoutAssumeRole()
    {
        using (var provider = FromProfile("dev"))
        {
            await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
            await ((CachedSessionFetcher)provider.Session.Fetcher).PendingBackground;
        }

        var arn = await CliCallerArnAsync("dev");

        Assert.Equal("arn:aws:sts::123456789012:assumed-role/Developer/dev-session", arn);
        Assert.Equal(1, _sts.Emulator.CountCalls("AssumeRole", DevRole));
        var issued = _sts.Emulator.Calls.Single(c => c.Action == "AssumeRole").IssuedAccessKeyId;
        Assert.Equal(issued, _sts.Emulator.Calls.Last(c => c.Action == "GetCallerIdentity").CallerAccessKeyId);
    }

    [Fact]
    public async Task CliFirst_ProfileWithoutSessionName_UsesTheCliSessionWhateverNameBotocoreMadeUp()
    {
        var arn = await CliCallerArnAsync("dev-unnamed");

        using var provider = FromProfile("dev-unnamed");
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.StartsWith("arn:aws:sts::123456789012:assumed-role/Developer/botocore-session-", arn, StringComparison.Ordinal);
        Assert.Equal(1, _sts.Emulator.CountCalls("AssumeRole", DevRole));
        Assert.Equal(arn, provider.AssumedRoleArn);
    }

    [Fact]
    public async Task LibraryFirst_MfaProfile_CliUsesOurSessionWithoutAskingForACode()
    {
        using (var provider = FromProfile("breakglass"))
        {
            await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
            await ((CachedSessionFetcher)provider.Session.Fetcher).PendingBackground;
        }

        // No code on standard input: a CLI that asked for one would fail.
        var arn = await CliCallerArnAsync("breakglass");

        Assert.Equal("arn:aws:sts::123456789012:assumed-role/BreakGlass/oncall", arn);
        Assert.Equal(1, _sts.Emulator.CountCalls("AssumeRole", MfaRole));
        Assert.Equal(1, _mfaCodes);
    }

    [Fact]
    public async Task CliFirst_MfaProfile_LibraryUsesTheCliSessionWithoutAskingForACode()
    {
        await CliCallerArnAsync("breakglass", mfaCode: "111111");

        using var provider = FromProfile("breakglass");
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, _sts.Emulator.CountCalls("AssumeRole", MfaRole));
        Assert.Equal(0, _mfaCodes);
    }

    [Fact]
    public async Task FromProfile_OtherCacheDirectory_KeepsPrincipalKeyedNames()
    {
        var elsewhere = Path.Combine(_home, "elsewhere");
        using var provider = FromProfile("dev", elsewhere);
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await ((CachedSessionFetcher)provider.Session.Fetcher).PendingBackground;

        var name = Path.GetFileNameWithoutExtension(Assert.Single(Directory.GetFiles(elsewhere, "*.json")));
        Assert.Equal(64, name.Length);
        Assert.NotEqual(AwsCliCacheName.Of(new AwsProfileHop(DevRole, "dev-session", ExternalId, null, 1800)), name);
    }

    private AssumeRoleCredentials FromProfile(string profile, string? cacheDirectory = null)
    {
        var options = ProfileChainBuilder.Build(
            profile,
            _ => ValueTask.FromResult(Interlocked.Increment(ref _mfaCodes) switch { 1 => "111111", 2 => "222222", _ => "333333" }),
            name => _environment.TryGetValue(name, out var value) ? value : null);
        options.FileCacheDirectory = cacheDirectory ?? CacheDirectory;
        return new AssumeRoleCredentials(options, _sts.Time, null);
    }

    /// <summary><c>aws sts get-caller-identity --profile NAME</c>, without a controlling terminal (an MFA prompt reads stdin).</summary>
    private async Task<string> CliCallerArnAsync(string profile, string? mfaCode = null)
    {
        var cli = AwsCli.Require();
        var setsid = ExecutableLocator.Find("setsid");
        RequiresServer.Available(setsid is not null, "setsid (util-linux) is not installed.");
        var aws = ExecutableLocator.Find("aws");
        RequiresServer.Available(aws is not null, "The AWS CLI is not installed as 'aws'.");
        _ = cli;
        var result = await ProcessRunner.RunAsync(
            setsid!,
            ["-w", aws!, "sts", "get-caller-identity", "--profile", profile, "--output", "json"],
            _environment,
            clearAwsEnvironment: true,
            TimeSpan.FromSeconds(60),
            TestContext.Current.CancellationToken,
            standardInput: mfaCode is null ? null : mfaCode + "\n");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.StandardOutput);
        return json.RootElement.GetProperty("Arn").GetString()!;
    }
}
