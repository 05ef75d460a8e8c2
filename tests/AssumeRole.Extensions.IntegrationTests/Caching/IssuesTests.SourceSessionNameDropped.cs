using AssumeRole.Extensions.Caching;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Testing;
using Amazon.Runtime;

namespace AssumeRole.Extensions.IntegrationTests.Caching;

/// <summary>
/// Two review findings on the cross-process key of a source known only by its caller ARN (the SDK's providers, an
/// instance role): the key dropped the source's session name, so sessions "alice" and "bob" of one role shared target
/// sessions (bob got a session STS issued to alice, past any source identity, session policy or trust condition on
/// the session name); and a chained hop whose parent's <c>GetCallerIdentity</c> failed once stopped using the caches for
/// good. The key now includes the session name unless <see cref="AssumeRoleOptions.ShareSessionsAcrossSourceSessions"/>
/// says the sessions are interchangeable, and a parent's failure is the child's failure for that refresh only.
/// </summary>
public sealed class IssuesTestsSourceSessionNameDropped : IAsyncLifetime
{
    private const string BaseRole = "arn:aws:iam::123456789012:role/Base";
    private const string Target = "arn:aws:iam::123456789012:role/Target";
    private const string Hub = "arn:aws:iam::123456789012:role/Hub";
    private const string Spoke = "arn:aws:iam::123456789012:role/Spoke";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "assume-role-source-session-" + Guid.NewGuid().ToString("N"));
    private EmulatorFixture _sts = null!;
    private EmulatedUser _alice = null!;

    public async ValueTask InitializeAsync()
    {
        _sts = await EmulatorFixture.StartAsync();
        _alice = _sts.Emulator.AddUser("alice");
        foreach (var role in new[] { BaseRole, Target, Hub, Spoke })
        {
            _sts.Emulator.AddRole(role);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _sts.DisposeAsync();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task Key_TwoSessionsOfOneSourceRole_DoNotShareTargetSessions()
    {
        var viaAlice = await TargetViaAsync(await BaseSessionAsync("alice"), share: false);
        var viaBob = await TargetViaAsync(await BaseSessionAsync("bob"), share: false);

        Assert.NotEqual(viaAlice, viaBob);
        Assert.Equal(2, _sts.Emulator.CountCalls("AssumeRole", Target));
    }

    [Fact]
    public async Task Key_TwoSessionsOfOneSourceRoleWithShareSessionsAcrossSourceSessions_ShareTheTargetSession()
    {
        var viaAlice = await TargetViaAsync(await BaseSessionAsync("i-0aaa"), share: true);
        var viaBob = await TargetViaAsync(await BaseSessionAsync("i-0bbb"), share: true);

        Assert.Equal(viaAlice, viaBob);
        Assert.Equal(1, _sts.Emulator.CountCalls("AssumeRole", Target));
    }

    [Fact]
    public async Task Key_ParentsGetCallerIdentityFailedOnce_ChildUsesTheCachesAtTheNextRefresh()
    {
        _sts.Emulator.Faults.Add(StsFault.Error(403, "AccessDenied", "Denied by the test.", times: 1, action: "GetCallerIdentity"));
        using var provider = new AssumeRoleCredentials(
            new AssumeRoleOptions
            {
                RoleArn = Spoke,
                RoleSessionName = "spoke",
                Chain = [new AssumeRoleHopOptions { RoleArn = Hub, RoleSessionName = "hub" }],
                SourceCredentials = new Opaque(new ImmutableCredentials(_alice.AccessKeyId, _alice.SecretAccessKey, null)),
                ServiceUrl = _sts.Emulator.Endpoint.ToString(),
                Region = "us-east-1",
                MaxStsRetries = 0,
                FileCacheDirectory = _directory,
            },
            new OwnClock(),
            null);
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        var spoke = (CachedSessionFetcher)provider.Session.Fetcher;
        await spoke.PendingBackground;

        // The fault was spent on the first refresh; the next one learns the key.
        Assert.Equal(1, _sts.Emulator.Calls.Count(c => c.Action == "GetCallerIdentity" && c.Outcome != StsCallRecord.SuccessOutcome));
        Assert.NotNull(await spoke.TryGetKeyAsync(TestContext.Current.CancellationToken));
    }

    private async Task<ImmutableCredentials> BaseSessionAsync(string sessionName)
    {
        using var provider = new AssumeRoleCredentials(
            new AssumeRoleOptions
            {
                RoleArn = BaseRole,
                RoleSessionName = sessionName,
                SourceCredentials = new BasicAWSCredentials(_alice.AccessKeyId, _alice.SecretAccessKey),
                ServiceUrl = _sts.Emulator.Endpoint.ToString(),
                Region = "us-east-1",
            },
            new OwnClock(),
            null);
        return await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>One "process" assumes Target from a session of Base known only by its caller ARN; returns its access key.</summary>
    private async Task<string> TargetViaAsync(ImmutableCredentials source, bool share)
    {
        var options = new AssumeRoleOptions
        {
            RoleArn = Target,
            RoleSessionName = "svc",
            SourceCredentials = new Opaque(source),
            ServiceUrl = _sts.Emulator.Endpoint.ToString(),
            Region = "us-east-1",
            FileCacheDirectory = _directory,
        };
        if (share)
        {
            Share(options);
        }

        using var provider = new AssumeRoleCredentials(options, new OwnClock(), null);
        var key = (await provider.GetCredentialsAsync(TestContext.Current.CancellationToken)).AccessKey;
        await ((CachedSessionFetcher)provider.Session.Fetcher).PendingBackground;
        return key;
    }

    // A method of its own, so that the default case runs against a build without the option (the before-fix check).
    private static void Share(AssumeRoleOptions options) => options.ShareSessionsAcrossSourceSessions = true;

    /// <summary>A source the library knows only through STS (as the SDK's providers).</summary>
    private sealed class Opaque(ImmutableCredentials credentials) : AWSCredentials
    {
        public override ImmutableCredentials GetCredentials() => credentials;
    }

    /// <summary>The real clock, but a clock of its own: a provider on it has its own session cache (a "process").</summary>
    private sealed class OwnClock : TimeProvider;
}
