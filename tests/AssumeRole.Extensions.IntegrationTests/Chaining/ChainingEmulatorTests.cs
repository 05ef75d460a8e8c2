using System.Text.Json;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Profiles;
using AssumeRole.Extensions.Testing;
using Microsoft.Extensions.Time.Testing;

namespace AssumeRole.Extensions.IntegrationTests.Chaining;

/// <summary>Role chains end to end: the SDK client signs with each hop's session against the emulator, which enforces STS's caps.</summary>
public sealed class ChainingEmulatorTests : IAsyncLifetime
{
    // Learned duration caps are process-wide per role ARN: a unique account per test instance keeps tests independent.
    private readonly string _account = Random.Shared.NextInt64(100_000_000_000, 999_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
    private EmulatorFixture _sts = null!;
    private EmulatedUser _alice = null!;

    private string RoleA => $"arn:aws:iam::{_account}:role/A";

    private string RoleB => $"arn:aws:iam::{_account}:role/B";

    private string RoleC => $"arn:aws:iam::{_account}:role/C";

    public async ValueTask InitializeAsync()
    {
        _sts = await EmulatorFixture.StartAsync();
        _alice = _sts.Emulator.AddUser("alice", _account);
        _sts.Emulator.AddRole(RoleA, r => r.MaxSessionDurationSeconds = 43200);
        _sts.Emulator.AddRole(RoleB, r => r.MaxSessionDurationSeconds = 43200);
        _sts.Emulator.AddRole(RoleC, r => r.MaxSessionDurationSeconds = 43200);
    }

    public ValueTask DisposeAsync() => _sts.DisposeAsync();

    private AssumeRoleOptions Chain(params string[] roles)
    {
        var options = new AssumeRoleOptions
        {
            SourceCredentials = new BasicAWSCredentials(_alice.AccessKeyId, _alice.SecretAccessKey),
            ServiceUrl = _sts.Emulator.Endpoint.ToString(),
            Region = "us-east-1",
            RoleArn = roles[^1],
            RoleSessionName = "target",
        };
        for (var i = 0; i < roles.Length - 1; i++)
        {
            options.Chain.Add(new AssumeRoleHopOptions { RoleArn = roles[i], RoleSessionName = $"hop{i + 1}" });
        }

        return options;
    }

    private FakeTimeProvider ProviderClock() => new(_sts.Time.GetUtcNow());

    private async Task<string> CallerArnAsync(AWSCredentials credentials)
    {
        using var client = new AmazonSecurityTokenServiceClient(credentials, _sts.Config());
        return (await client.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken)).Arn;
    }

    private List<StsCallRecord> AssumeRoleCalls() => [.. _sts.Emulator.Calls.Where(c => c.Action == "AssumeRole")];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Chain_NHops_CallerIdentityIsTheLastHopsSession(int hops)
    {
        string[] roles = [RoleA, RoleB, RoleC];
        using var provider = new AssumeRoleCredentials(Chain(roles[..hops]), ProviderClock(), null);

        var arn = await CallerArnAsync(provider);

        Assert.Equal($"arn:aws:sts::{_account}:assumed-role/{roles[hops - 1][^1]}/target", arn);
        var calls = AssumeRoleCalls();
        Assert.Equal(roles[..hops], calls.Select(c => c.RoleArn));
        Assert.Equal(_alice.Arn, calls[0].CallerArn);
        for (var i = 1; i < hops; i++)
        {
            Assert.Equal($"arn:aws:sts::{_account}:assumed-role/{roles[i - 1][^1]}/hop{i}", calls[i].CallerArn);
            Assert.True(calls[i].IsChained);
        }
    }

    [Fact]
    public async Task Chain_HopAsksFor7200_ClampedAndSucceeds_WhereSdkNestedProviderFails()
    {
        var options = Chain(RoleA, RoleB);
        options.Chain[0].DurationSeconds = 7200;
        options.DurationSeconds = 7200;
        using var provider = new AssumeRoleCredentials(options, ProviderClock(), null);

        Assert.EndsWith("assumed-role/B/target", await CallerArnAsync(provider), StringComparison.Ordinal);
        Assert.Equal([7200, 3600], AssumeRoleCalls().Select(c => c.DurationSeconds));

        // The SDK's nested provider sends the 7200 s it was given and fails at run time.
        _sts.Emulator.ClearCalls();
        using var sts = _sts.ClientFor(_alice);
        var hop1 = await sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = RoleA, RoleSessionName = "sdk1", DurationSeconds = 7200 }, TestContext.Current.CancellationToken);
        var sdkSource = new SessionAWSCredentials(hop1.Credentials.AccessKeyId, hop1.Credentials.SecretAccessKey, hop1.Credentials.SessionToken);
        using var sdk = new AssumeRoleAWSCredentials(sdkSource, RoleB, "sdk2", new AssumeRoleAWSCredentialsOptions { DurationSeconds = 7200 });

        // The SDK provider builds its own STS client with no endpoint option; the service-specific endpoint variable is
        // the only way to point it at the emulator. Every other test sets ServiceURL explicitly, which takes precedence.
        var previous = Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_STS");
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_STS", _sts.Emulator.Endpoint.ToString());
        try
        {
            var ex = await Assert.ThrowsAnyAsync<AmazonClientException>(() => sdk.GetCredentialsAsync());
            Assert.Contains("1 hour session limit for roles assumed by role chaining", ex.ToString(), StringComparison.Ordinal);
            Assert.Equal(7200, _sts.Emulator.Calls.Last(c => c.Action == "AssumeRole").DurationSeconds);
        }
        finally
        {
            Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_STS", previous);
        }
    }

    [Fact]
    public void Chain_StrictModeHopTooLong_FailsAtStartupWithoutStsCall()
    {
        var options = Chain(RoleA, RoleB, RoleC);
        options.Chain[1].DurationSeconds = 7200;
        options.StrictChainDurations = true;

        var ex = Assert.Throws<ArgumentException>(() => new AssumeRoleCredentials(options, ProviderClock(), null));

        Assert.Contains($"hop 2 of 3 ({RoleB})", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_sts.Emulator.Calls);
    }

    [Fact]
    public async Task Fetch_RoleMaxSessionDuration_OneExtraCallThenNoneOnLaterRefreshes()
    {
        var oneHour = $"arn:aws:iam::{_account}:role/OneHour";
        _sts.Emulator.AddRole(oneHour);
        var options = Chain(oneHour);
        options.DurationSeconds = 7200;
        var clock = ProviderClock();
        using var provider = new AssumeRoleCredentials(options, clock, null);

        await provider.WarmUpAsync(TestContext.Current.CancellationToken);
        Assert.Equal([7200, 3600], AssumeRoleCalls().Select(c => c.DurationSeconds));
        Assert.Equal(["ValidationError", StsCallRecord.SuccessOutcome], AssumeRoleCalls().Select(c => c.Outcome == StsCallRecord.SuccessOutcome ? c.Outcome : "ValidationError"));

        // Past the mandatory point of the 1-hour session: the refresh goes straight to 3600 s.
        clock.Advance(TimeSpan.FromMinutes(59.5));
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        Assert.Equal([7200, 3600, 3600], AssumeRoleCalls().Select(c => c.DurationSeconds));
    }

    [Fact]
    public void Profiles_CycleAndDepth_ReportedBeforeAnyStsCall()
    {
        using var files = new ProfileFiles();
        files.Config = "[profile a]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::111111111111:role/B\nsource_profile = a\n"
            + string.Concat(Enumerable.Range(1, 11).Select(i => $"[profile d{i}]\nrole_arn = arn:aws:iam::111111111111:role/D{i}\nsource_profile = {(i == 1 ? "a" : $"d{i - 1}")}\n"));

        var cycle = Assert.Throws<ArgumentException>(() => ProfileChainBuilder.Build("a", null, files.Env));
        var depth = Assert.Throws<ArgumentException>(() => ProfileChainBuilder.Build("d11", null, files.Env));

        Assert.Contains("cycle: 'a' → 'b' → 'a'", cycle.Message, StringComparison.Ordinal);
        Assert.Contains("more than 10 roles", depth.Message, StringComparison.Ordinal);
        Assert.Empty(_sts.Emulator.Calls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Profiles_SameChainAsAwsCli_SameFinalArnAndAssumeRoleCalls(bool chainedHopAsksTwoHours)
    {
        AwsCli.Require();
        var aws = ExecutableLocator.Find("aws");
        RequiresServer.Available(aws is not null, "The 'aws' executable is not on PATH.");
        using var files = new ProfileFiles();
        files.Config = $"""
            [profile base]
            region = us-east-1
            [profile hop1]
            role_arn = {RoleA}
            source_profile = base
            role_session_name = p-hop1
            external_id = ext-hop-one
            duration_seconds = 7200
            [profile hop2]
            role_arn = {RoleB}
            source_profile = hop1
            role_session_name = p-hop2
            {(chainedHopAsksTwoHours ? "duration_seconds = 7200" : "duration_seconds = 3600")}
            [profile hop3]
            role_arn = {RoleC}
            source_profile = hop2
            role_session_name = p-hop3
            external_id = ext-hop-three
            region = us-east-1
            endpoint_url = {_sts.Emulator.Endpoint}
            """;
        files.Credentials = $"[base]\naws_access_key_id = {_alice.AccessKeyId}\naws_secret_access_key = {_alice.SecretAccessKey}\n";
        _sts.Emulator.AddRole(RoleA, r => { r.MaxSessionDurationSeconds = 43200; r.RequiredExternalId = "ext-hop-one"; });

        var cli = await ProcessRunner.RunAsync(
            aws!,
            ["sts", "get-caller-identity", "--profile", "hop3", "--output", "json"],
            new Dictionary<string, string?>
            {
                ["AWS_CONFIG_FILE"] = files.ConfigPath,
                ["AWS_SHARED_CREDENTIALS_FILE"] = files.CredentialsPath,
                ["AWS_ENDPOINT_URL_STS"] = _sts.Emulator.Endpoint.ToString(),
                ["AWS_EC2_METADATA_DISABLED"] = "true",
                ["AWS_PAGER"] = string.Empty,
                ["AWS_MAX_ATTEMPTS"] = "1",
            },
            clearAwsEnvironment: true,
            TimeSpan.FromSeconds(60),
            TestContext.Current.CancellationToken);
        var cliCalls = AssumeRoleCalls();
        _sts.Emulator.ClearCalls();

        var options = ProfileChainBuilder.Build("hop3", null, files.Env);
        using var provider = new AssumeRoleCredentials(options, ProviderClock(), null);
        var ourArn = await CallerArnAsync(provider);
        var ourCalls = AssumeRoleCalls();

        static (string?, string?, string?) Shape(StsCallRecord c) => (c.RoleArn, c.RoleSessionName, c.ExternalId);
        Assert.Equal($"arn:aws:sts::{_account}:assumed-role/C/p-hop3", ourArn);
        Assert.Equal([RoleA, RoleB, RoleC], ourCalls.Select(c => c.RoleArn));
        Assert.All(ourCalls, c => Assert.True(c.Succeeded, c.ToString()));
        Assert.Equal([7200, 3600, null], ourCalls.Select(c => c.DurationSeconds)); // hop 2 clamped when it asks 7200
        if (!chainedHopAsksTwoHours)
        {
            Assert.True(cli.ExitCode == 0, cli.ToString());
            Assert.Equal(ourArn, JsonDocument.Parse(cli.StandardOutput).RootElement.GetProperty("Arn").GetString());
            Assert.Equal(ourCalls.Select(Shape), cliCalls.Select(Shape));
            Assert.Equal(ourCalls.Select(c => c.DurationSeconds), cliCalls.Select(c => c.DurationSeconds));
        }
        else
        {
            // The CLI sends the 7200 s of the chained hop and fails there; up to that call the sequences agree.
            Assert.NotEqual(0, cli.ExitCode);
            Assert.Contains("1 hour session limit", cli.StandardError, StringComparison.Ordinal);
            Assert.Equal(ourCalls.Take(2).Select(Shape), cliCalls.Select(Shape));
            Assert.Equal([7200, 7200], cliCalls.Select(c => c.DurationSeconds));
            Assert.False(cliCalls[1].Succeeded);
        }
    }

    /// <summary>
    /// Review of issue #13, finding 10: botocore reads <c>duration_seconds</c> with Python's <c>int()</c> and ignores a
    /// value that is not an integer. The real CLI and <c>FromProfile</c> send the same <c>DurationSeconds</c> (or none).
    /// </summary>
    [Theory]
    [InlineData("+900")]
    [InlineData("9_00")]
    [InlineData("0900")]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("9__00")]
    [InlineData("0x384")]
    public async Task Profiles_DurationSecondsAsTheCliReadsIt_SameDurationSecondsSent(string duration)
    {
        AwsCli.Require();
        var aws = ExecutableLocator.Find("aws");
        RequiresServer.Available(aws is not null, "The 'aws' executable is not on PATH.");
        using var files = new ProfileFiles();
        files.Config = $"""
            [profile base]
            region = us-east-1
            [profile a]
            role_arn = {RoleA}
            source_profile = base
            role_session_name = p-a
            duration_seconds = {duration}
            region = us-east-1
            endpoint_url = {_sts.Emulator.Endpoint}
            """;
        files.Credentials = $"[base]\naws_access_key_id = {_alice.AccessKeyId}\naws_secret_access_key = {_alice.SecretAccessKey}\n";

        var cli = await ProcessRunner.RunAsync(
            aws!,
            ["sts", "get-caller-identity", "--profile", "a", "--output", "json"],
            new Dictionary<string, string?>
            {
                ["AWS_CONFIG_FILE"] = files.ConfigPath,
                ["AWS_SHARED_CREDENTIALS_FILE"] = files.CredentialsPath,
                ["AWS_ENDPOINT_URL_STS"] = _sts.Emulator.Endpoint.ToString(),
                ["AWS_EC2_METADATA_DISABLED"] = "true",
                ["AWS_PAGER"] = string.Empty,
                ["AWS_MAX_ATTEMPTS"] = "1",
            },
            clearAwsEnvironment: true,
            TimeSpan.FromSeconds(60),
            TestContext.Current.CancellationToken);
        var cliCall = Assert.Single(AssumeRoleCalls());
        _sts.Emulator.ClearCalls();

        var options = ProfileChainBuilder.Build("a", null, files.Env);
        using var provider = new AssumeRoleCredentials(options, ProviderClock(), null);
        await CallerArnAsync(provider);
        var ourCall = Assert.Single(AssumeRoleCalls());

        Assert.True(cli.ExitCode == 0, cli.ToString());
        Assert.True(cliCall.Succeeded, cliCall.ToString());
        Assert.Equal(cliCall.DurationSeconds, ourCall.DurationSeconds);
    }

    private sealed class ProfileFiles : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("aws-profiles-").FullName;

        public string ConfigPath => Path.Combine(_dir, "config");

        public string CredentialsPath => Path.Combine(_dir, "credentials");

        public string Config { set => File.WriteAllText(ConfigPath, value); }

        public string Credentials { set => File.WriteAllText(CredentialsPath, value); }

        public string? Env(string name) => name switch
        {
            "AWS_CONFIG_FILE" => ConfigPath,
            "AWS_SHARED_CREDENTIALS_FILE" => CredentialsPath,
            _ => null,
        };

        public void Dispose() => Directory.Delete(_dir, recursive: true);
    }
}
