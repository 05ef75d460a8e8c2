using System.Text.Json;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Testing;

namespace AssumeRole.Extensions.IntegrationTests.Emulator;

/// <summary>The AWS CLI (botocore's SigV4 signer and XML parser) against the emulator: an independent client.</summary>
public sealed class StsEmulatorAwsCliTests : IAsyncLifetime
{
    private const string RoleArn = "arn:aws:iam::123456789012:role/ops/Deploy";
    private const string NextRoleArn = "arn:aws:iam::123456789012:role/Next";

    private EmulatorFixture _sts = null!;
    private EmulatedUser _alice = null!;

    public async ValueTask InitializeAsync()
    {
        _sts = await EmulatorFixture.StartAsync();
        _alice = _sts.Emulator.AddUser("alice");
        _sts.Emulator.AddRole(RoleArn, role => role.AllowTagsAndSourceIdentity().MaxSessionDurationSeconds = 43200);
        _sts.Emulator.AddRole(NextRoleArn, role => role.MaxSessionDurationSeconds = 43200);
    }

    public ValueTask DisposeAsync() => _sts.DisposeAsync();

    [Fact]
    public async Task AssumeRole_ThenGetCallerIdentityWithSessionCredentials_Succeeds()
    {
        var cli = AwsCli.Require();

        var assumed = await cli.RunAsync(
            ["sts", "assume-role", "--endpoint-url", Endpoint, "--role-arn", RoleArn, "--role-session-name", "cli-session", "--duration-seconds", "7200"],
            _alice.AccessKeyId,
            _alice.SecretAccessKey,
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(assumed.ExitCode == 0, assumed.ToString());
        using var json = JsonDocument.Parse(assumed.StandardOutput);
        var credentials = json.RootElement.GetProperty("Credentials");
        var accessKeyId = credentials.GetProperty("AccessKeyId").GetString()!;
        Assert.StartsWith("ASIA", accessKeyId, StringComparison.Ordinal);
        Assert.Equal("arn:aws:sts::123456789012:assumed-role/Deploy/cli-session", json.RootElement.GetProperty("AssumedRoleUser").GetProperty("Arn").GetString());
        var expiration = credentials.GetProperty("Expiration").GetDateTimeOffset();
        Assert.Equal(_sts.Time.GetUtcNow().AddSeconds(7200), expiration, TimeSpan.FromSeconds(1));

        var identity = await cli.RunAsync(
            ["sts", "get-caller-identity", "--endpoint-url", Endpoint],
            accessKeyId,
            credentials.GetProperty("SecretAccessKey").GetString()!,
            credentials.GetProperty("SessionToken").GetString(),
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(identity.ExitCode == 0, identity.ToString());
        using var identityJson = JsonDocument.Parse(identity.StandardOutput);
        Assert.Equal("arn:aws:sts::123456789012:assumed-role/Deploy/cli-session", identityJson.RootElement.GetProperty("Arn").GetString());
        Assert.Equal("123456789012", identityJson.RootElement.GetProperty("Account").GetString());
        Assert.Equal(7200, _sts.Emulator.Calls[0].DurationSeconds);
        Assert.True(_sts.Emulator.Calls[1].Succeeded);
    }

    [Fact]
    public async Task GetCallerIdentity_WrongSecret_SignatureDoesNotMatch()
    {
        var cli = AwsCli.Require();

        var result = await cli.RunAsync(
            ["sts", "get-caller-identity", "--endpoint-url", Endpoint],
            _alice.AccessKeyId,
            "not-the-secret-not-the-secret-not-the-se",
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("SignatureDoesNotMatch", result.StandardError, StringComparison.Ordinal);
        Assert.Equal("SignatureDoesNotMatch", _sts.Emulator.Calls.Single().Outcome);
    }

    [Fact]
    public async Task AssumeRole_Chained3601_FailsWithStsMessage_3600Succeeds()
    {
        var cli = AwsCli.Require();
        var first = await cli.RunAsync(
            ["sts", "assume-role", "--endpoint-url", Endpoint, "--role-arn", RoleArn, "--role-session-name", "hop1"],
            _alice.AccessKeyId,
            _alice.SecretAccessKey,
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(first.ExitCode == 0, first.ToString());
        using var json = JsonDocument.Parse(first.StandardOutput);
        var credentials = json.RootElement.GetProperty("Credentials");

        Task<ProcessResult> SecondHopAsync(string duration) => cli.RunAsync(
            ["sts", "assume-role", "--endpoint-url", Endpoint, "--role-arn", NextRoleArn, "--role-session-name", "hop2", "--duration-seconds", duration],
            credentials.GetProperty("AccessKeyId").GetString()!,
            credentials.GetProperty("SecretAccessKey").GetString()!,
            credentials.GetProperty("SessionToken").GetString(),
            cancellationToken: TestContext.Current.CancellationToken);

        var tooLong = await SecondHopAsync("3601");
        Assert.NotEqual(0, tooLong.ExitCode);
        Assert.Contains("ValidationError", tooLong.StandardError, StringComparison.Ordinal);
        Assert.Contains(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.", tooLong.StandardError, StringComparison.Ordinal);

        var ok = await SecondHopAsync("3600");
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.True(_sts.Emulator.Calls[^1].IsChained);
    }

    [Fact]
    public async Task AssumeRole_TagsAndPolicyFromCli_ListEncodingsUnderstood()
    {
        var cli = AwsCli.Require();

        var result = await cli.RunAsync(
            [
                "sts", "assume-role", "--endpoint-url", Endpoint, "--role-arn", RoleArn, "--role-session-name", "tagged",
                "--tags", "Key=Team,Value=core", "Key=Project,Value=x",
                "--transitive-tag-keys", "Team",
                "--policy-arns", "arn=arn:aws:iam::aws:policy/ReadOnlyAccess",
                "--source-identity", "alice",
            ],
            _alice.AccessKeyId,
            _alice.SecretAccessKey,
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.StandardOutput);
        Assert.Equal("alice", json.RootElement.GetProperty("SourceIdentity").GetString());
        Assert.True(json.RootElement.GetProperty("PackedPolicySize").GetInt32() > 0);
        var call = _sts.Emulator.Calls.Single();
        Assert.Equal([new("Team", "core"), new("Project", "x")], call.Tags);
        Assert.Equal(["Team"], call.TransitiveTagKeys);
        Assert.Equal(["arn:aws:iam::aws:policy/ReadOnlyAccess"], call.PolicyArns);
    }

    private string Endpoint => _sts.Emulator.Endpoint.ToString();
}
