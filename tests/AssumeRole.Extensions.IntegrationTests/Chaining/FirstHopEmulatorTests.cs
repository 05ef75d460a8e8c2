using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Testing;

namespace AssumeRole.Extensions.IntegrationTests.Chaining;

/// <summary>
/// Web identity and GetSessionToken first hops against the emulator, with role hops above them. The provider runs on
/// the emulator's own fake clock, so advancing it ages both the cached sessions and the credentials STS issued; SigV4
/// requests are signed with the machine clock, so the emulator tolerates any skew here.
/// </summary>
[Collection(EnvironmentVariableCollection.Name)]
public sealed class FirstHopEmulatorTests : IAsyncLifetime
{
    private const string MfaSerial = "arn:aws:iam::123456789012:mfa/alice";

    // Learned duration caps are process-wide per role ARN: a unique account per test instance keeps tests independent.
    private readonly string _account = Random.Shared.NextInt64(100_000_000_000, 999_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
    private readonly string _tokenFile = Path.GetTempFileName();
    private EmulatorFixture _sts = null!;
    private EmulatedUser _alice = null!;

    private string PodRole => $"arn:aws:iam::{_account}:role/eks/Pod";

    private string RoleA => $"arn:aws:iam::{_account}:role/A";

    private string RoleB => $"arn:aws:iam::{_account}:role/B";

    private string RoleC => $"arn:aws:iam::{_account}:role/C";

    public async ValueTask InitializeAsync()
    {
        _sts = await EmulatorFixture.StartAsync(o => o.AllowedClockSkew = TimeSpan.FromDays(2));
        _alice = _sts.Emulator.AddUser("alice", _account);
        _sts.Emulator.AddRole(PodRole, r => r.MaxSessionDurationSeconds = 43200);
        _sts.Emulator.AddRole(RoleC, r => r.MaxSessionDurationSeconds = 43200);

        // The break-glass roles require MFA, and the hops above the session token send no code: only the MFA
        // session's context satisfies them.
        _sts.Emulator.AddRole(RoleA, r => r.RequireMfa().MaxSessionDurationSeconds = 43200);
        _sts.Emulator.AddRole(RoleB, r => r.RequireMfa().MaxSessionDurationSeconds = 43200);
    }

    public async ValueTask DisposeAsync()
    {
        File.Delete(_tokenFile);
        await _sts.DisposeAsync();
    }

    private async Task<string> CallerArnAsync(AWSCredentials credentials)
    {
        using var client = new AmazonSecurityTokenServiceClient(credentials, _sts.Config());
        return (await client.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken)).Arn;
    }

    private List<StsCallRecord> StsCalls() => [.. _sts.Emulator.Calls.Where(c => c.Action != "GetCallerIdentity")];

    private void AcceptOnly(string token) =>
        _sts.Emulator.WebIdentityTokenValidator = t => t == token ? WebIdentityTokenStatus.Valid : WebIdentityTokenStatus.Invalid;

    [Fact]
    public async Task WebIdentity_ExplicitTokenFileThenRole_UnsignedCallThenChainedHopClampedTo3600()
    {
        await File.WriteAllTextAsync(_tokenFile, "oidc-token-1\n", TestContext.Current.CancellationToken);
        AcceptOnly("oidc-token-1");
        using var provider = new AssumeRoleCredentials(
            new AssumeRoleOptions
            {
                WebIdentity = new WebIdentityOptions { RoleArn = PodRole, WebIdentityTokenFile = _tokenFile, RoleSessionName = "pod-1" },
                RoleArn = RoleC,
                RoleSessionName = "target",
                DurationSeconds = 7200,
                ServiceUrl = _sts.Emulator.Endpoint.ToString(),
                Region = "us-east-1",
            },
            _sts.Time,
            null);

        var arn = await CallerArnAsync(provider);

        Assert.Equal($"arn:aws:sts::{_account}:assumed-role/C/target", arn);
        var calls = StsCalls();
        Assert.Equal(["AssumeRoleWithWebIdentity", "AssumeRole"], calls.Select(c => c.Action));
        Assert.All(calls, c => Assert.True(c.Succeeded, c.ToString()));
        Assert.Null(calls[0].CallerAccessKeyId); // unsigned
        Assert.Equal((PodRole, "pod-1"), (calls[0].RoleArn, calls[0].RoleSessionName));
        Assert.Equal($"arn:aws:sts::{_account}:assumed-role/Pod/pod-1", calls[1].CallerArn);
        Assert.True(calls[1].IsChained);
        Assert.Equal(3600, calls[1].DurationSeconds);
        Assert.Equal(2, provider.HopCount);
    }

    [Fact]
    public async Task WebIdentity_IrsaEnvironmentVariables_ResolvedAtConstruction()
    {
        await File.WriteAllTextAsync(_tokenFile, "irsa-token", TestContext.Current.CancellationToken);
        AcceptOnly("irsa-token");
        AssumeRoleCredentials provider;
        using (new EnvironmentVariables(("AWS_ROLE_ARN", PodRole), ("AWS_WEB_IDENTITY_TOKEN_FILE", _tokenFile), ("AWS_ROLE_SESSION_NAME", "irsa-pod")))
        {
            provider = new AssumeRoleCredentials(
                new AssumeRoleOptions
                {
                    WebIdentity = new WebIdentityOptions(),
                    RoleArn = RoleC,
                    RoleSessionName = "target",
                    ServiceUrl = _sts.Emulator.Endpoint.ToString(),
                    Region = "us-east-1",
                },
                _sts.Time,
                null);
        }

        using (provider)
        {
            Assert.Equal($"arn:aws:sts::{_account}:assumed-role/C/target", await CallerArnAsync(provider));
        }

        var calls = StsCalls();
        Assert.Equal([("AssumeRoleWithWebIdentity", PodRole, "irsa-pod"), ("AssumeRole", RoleC, "target")], calls.Select(c => (c.Action, c.RoleArn!, c.RoleSessionName!)));
        Assert.All(calls, c => Assert.True(c.Succeeded, c.ToString()));
    }

    [Fact]
    public async Task SessionToken_BreakGlass_OneMfaCodeServesTwoRoleHopsAndTheirRefresh()
    {
        var codes = new List<string>();
        _alice.EnableMfaDevice(MfaSerial, "123456", "654321");
        using var provider = new AssumeRoleCredentials(
            new AssumeRoleOptions
            {
                SourceCredentials = new BasicAWSCredentials(_alice.AccessKeyId, _alice.SecretAccessKey),
                SessionToken = new SessionTokenOptions
                {
                    DurationSeconds = 8 * 3600,
                    MfaSerialNumber = MfaSerial,
                    TokenCodeProvider = _ =>
                    {
                        lock (codes)
                        {
                            codes.Add(codes.Count == 0 ? "123456" : "654321");
                            return ValueTask.FromResult(codes[^1]);
                        }
                    },
                },
                Chain = { new AssumeRoleHopOptions { RoleArn = RoleA, RoleSessionName = "ops", DurationSeconds = 7200 } },
                RoleArn = RoleB,
                RoleSessionName = "break-glass",
                ServiceUrl = _sts.Emulator.Endpoint.ToString(),
                Region = "us-east-1",
            },
            _sts.Time,
            null);

        Assert.Equal($"arn:aws:sts::{_account}:assumed-role/B/break-glass", await CallerArnAsync(provider));
        var calls = StsCalls();
        Assert.Equal([("GetSessionToken", null), ("AssumeRole", RoleA), ("AssumeRole", RoleB)], calls.Select(c => (c.Action, c.RoleArn)));
        Assert.All(calls, c => Assert.True(c.Succeeded, c.ToString()));
        Assert.Equal([MfaSerial, null, null], calls.Select(c => c.SerialNumber)); // one code, sent once
        Assert.Equal([_alice.Arn, _alice.Arn, $"arn:aws:sts::{_account}:assumed-role/A/ops"], calls.Select(c => c.CallerArn));
        Assert.Equal([8 * 3600, 3600, null], calls.Select(c => c.DurationSeconds)); // above a session token: chained, clamped
        Assert.True(calls[1].IsChained && calls[2].IsChained);

        // Past the mandatory point of the 1-hour role sessions, well within the 8-hour session token.
        _sts.Time.Advance(TimeSpan.FromMinutes(59.5));
        Assert.Equal($"arn:aws:sts::{_account}:assumed-role/B/break-glass", await CallerArnAsync(provider));

        calls = StsCalls();
        Assert.Equal(
            [("GetSessionToken", null), ("AssumeRole", RoleA), ("AssumeRole", RoleB), ("AssumeRole", RoleA), ("AssumeRole", RoleB)],
            calls.Select(c => (c.Action, c.RoleArn)));
        Assert.All(calls, c => Assert.True(c.Succeeded, c.ToString()));
        Assert.Equal(1, _sts.Emulator.CountCalls("GetSessionToken"));
        Assert.Equal(calls[0].IssuedAccessKeyId, calls[3].CallerAccessKeyId); // the refresh signs with the same session token
        Assert.Equal(["123456"], codes);
    }
}

/// <summary>Tests that set process environment variables run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentVariableCollection
{
    public const string Name = "Process environment variables";
}

/// <summary>Sets environment variables for a scope and restores the previous values.</summary>
internal sealed class EnvironmentVariables : IDisposable
{
    private readonly (string Name, string? Previous)[] _previous;

    public EnvironmentVariables(params (string Name, string Value)[] values)
    {
        _previous = [.. values.Select(v => (v.Name, Environment.GetEnvironmentVariable(v.Name)))];
        foreach (var (name, value) in values)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    public void Dispose()
    {
        foreach (var (name, previous) in _previous)
        {
            Environment.SetEnvironmentVariable(name, previous);
        }
    }
}
