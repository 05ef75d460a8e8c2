using AssumeRole.Extensions.Tests.Fakes;

namespace AssumeRole.Extensions.Tests.Caching;

/// <summary>Second-level caches for the first hops that are not AssumeRole: GetSessionToken is cached, web identity is not.</summary>
public sealed class FirstHopSecondLevelCacheTests : IDisposable
{
    private const string Ops = "arn:aws:iam::222222222222:role/Ops";
    private const string PodRole = "arn:aws:iam::111111111111:role/Pod";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "assume-role-tests-" + Guid.NewGuid().ToString("N"));
    private readonly string _tokenFile = Path.GetTempFileName();
    private readonly TestEngine _processA = new(signWithSource: true);
    private readonly TestEngine _processB;
    private int _codes;

    public FirstHopSecondLevelCacheTests()
    {
        // Two "processes": separate session caches, one STS and one clock.
        _processB = new TestEngine(time: _processA.Time, sts: _processA.Sts, signWithSource: true);
    }

    public void Dispose()
    {
        File.Delete(_tokenFile);
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private AssumeRoleCredentials BreakGlass(TestEngine engine, string userKey) => engine.Create(
        o =>
        {
            o.FileCacheDirectory = _directory;
            o.SessionToken = new SessionTokenOptions
            {
                MfaSerialNumber = "arn:aws:iam::111111111111:mfa/alice",
                TokenCodeProvider = _ => ValueTask.FromResult($"{100000 + Interlocked.Increment(ref _codes)}"),
            };
            o.RoleArn = Ops;
        },
        TestEngine.Source(userKey));

    private AssumeRoleCredentials WebIdentity(TestEngine engine) => engine.Create(
        o =>
        {
            o.FileCacheDirectory = _directory;
            o.SourceCredentials = null;
            o.WebIdentity = new WebIdentityOptions { RoleArn = PodRole, WebIdentityTokenFile = _tokenFile, RoleSessionName = "pod" };
            o.RoleArn = Ops;
        });

    [Fact]
    public async Task SessionToken_SecondProcessSameUserKeys_ReadsBothSessionsWithoutStsOrMfaPrompt()
    {
        using var a = BreakGlass(_processA, "AKIAIAMUSER000000001");
        var fromSts = await a.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(a);

        using var b = BreakGlass(_processB, "AKIAIAMUSER000000001");
        var fromFile = await b.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["GetSessionToken", "AssumeRole"], _processA.Sts.AllCalls.Select(c => c.Action));
        Assert.Equal(1, _codes);
        Assert.Equal(fromSts.AccessKey, fromFile.AccessKey);
        Assert.Equal(2, Directory.GetFiles(_directory).Length);
        // Keyed by the keys' hash, not by who STS says they are: the one GetCallerIdentity is process B learning STS's
        // clock (made with the IAM user's keys, which need no MFA), on which it lays the cached sessions' lifetimes.
        Assert.Equal(1, _processA.Sts.CallerIdentityCalls);
    }

    [Fact]
    public async Task SessionToken_OtherUserKeys_NeverReadsAnothersSession()
    {
        using var a = BreakGlass(_processA, "AKIAIAMUSER000000001");
        await a.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(a);

        using var b = BreakGlass(_processB, "AKIAIAMUSER000000002");
        await b.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(b);

        Assert.Equal(["GetSessionToken", "AssumeRole", "GetSessionToken", "AssumeRole"], _processA.Sts.AllCalls.Select(c => c.Action));
        Assert.Equal(2, _codes);
        Assert.Equal(4, Directory.GetFiles(_directory).Length);
    }

    [Fact]
    public async Task WebIdentity_SecondProcess_OwnWebIdentityCallButRoleAboveReadFromCache()
    {
        File.WriteAllText(_tokenFile, "token-of-pod-a");
        _processA.Sts.CallerArn = "arn:aws:sts::111111111111:assumed-role/Pod/pod";
        using var a = WebIdentity(_processA);
        var fromSts = await a.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(a);

        // Same role ARN and token file path, as in every pod of an IRSA deployment: the web identity session itself is
        // never shared (STS must check each pod's token), the role above it is, by the caller ARN STS reports.
        using var b = WebIdentity(_processB);
        var fromFile = await b.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["AssumeRoleWithWebIdentity", "AssumeRole", "AssumeRoleWithWebIdentity"], _processA.Sts.AllCalls.Select(c => c.Action));
        Assert.Equal(fromSts.AccessKey, fromFile.AccessKey);
        Assert.Single(Directory.GetFiles(_directory));
        Assert.Equal(2, _processA.Sts.CallerIdentityCalls);
    }
}
