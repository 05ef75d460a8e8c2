using AssumeRole.Extensions.Tests.Fakes;
using Amazon.SecurityToken.Model;

namespace AssumeRole.Extensions.Tests.Sts;

public sealed class FirstHopTests : IDisposable
{
    private const string PodRole = "arn:aws:iam::111111111111:role/Pod";
    private const string Target = "arn:aws:iam::222222222222:role/Deploy";
    private readonly string _tokenFile = Path.GetTempFileName();

    public void Dispose() => File.Delete(_tokenFile);

    private static TestEngine CreateEngine() => new(signWithSource: true);

    private AssumeRoleCredentials CreateWebIdentity(TestEngine engine, Action<AssumeRoleOptions>? configure = null) =>
        new(Configure(o =>
        {
            o.SourceCredentials = null;
            o.WebIdentity = new WebIdentityOptions { RoleArn = PodRole, WebIdentityTokenFile = _tokenFile, RoleSessionName = "pod" };
            o.RoleArn = Target;
            configure?.Invoke(o);
        }), engine.Context);

    private static AssumeRoleOptions Configure(Action<AssumeRoleOptions> configure)
    {
        var options = new AssumeRoleOptions { RoleSessionName = "test-session", MaxStsRetries = 0 };
        configure(options);
        return options;
    }

    [Fact]
    public async Task WebIdentity_ThenRole_UnsignedFirstCallAndChainedSecondHop()
    {
        var engine = CreateEngine();
        File.WriteAllText(_tokenFile, "token-one\n");
        using var provider = CreateWebIdentity(engine, o => o.DurationSeconds = 7200);

        var creds = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        var calls = engine.Sts.AllCalls;
        Assert.Equal(["AssumeRoleWithWebIdentity", "AssumeRole"], calls.Select(c => c.Action));
        Assert.Null(calls[0].SourceAccessKey); // unsigned
        var wi = Assert.IsType<AssumeRoleWithWebIdentityRequest>(calls[0].Request);
        Assert.Equal("token-one", wi.WebIdentityToken);
        Assert.Equal("pod", wi.RoleSessionName);
        Assert.Equal("ASIAFAKE000000000001", calls[1].SourceAccessKey);
        Assert.Equal(3600, calls[1].DurationSeconds); // chained above web identity: clamped
        Assert.Equal(2, provider.HopCount);
        Assert.Equal("ASIAFAKE000000000002", creds.AccessKey);
    }

    [Fact]
    public async Task WebIdentity_Refresh_ReadsTheTokenFileAgain()
    {
        var engine = CreateEngine();
        File.WriteAllText(_tokenFile, "token-one");
        using var provider = CreateWebIdentity(engine);
        await provider.WarmUpAsync(TestContext.Current.CancellationToken);
        File.WriteAllText(_tokenFile, "token-two");

        // Both sessions last 1 h and refresh at 45 min; the target's refresh uses the refreshed web identity session.
        for (var i = 0; i < 50; i++)
        {
            await engine.AdvanceAllAsync(TimeSpan.FromMinutes(1));
        }

        var tokens = engine.Sts.AllCalls.Select(c => c.Request).OfType<AssumeRoleWithWebIdentityRequest>().Select(r => r.WebIdentityToken).ToList();
        Assert.Equal(["token-one", "token-two"], tokens);
    }

    [Fact]
    public async Task WebIdentity_TokenFileMissing_TransientErrorNamingFile()
    {
        var engine = CreateEngine();
        File.Delete(_tokenFile);
        using var provider = CreateWebIdentity(engine);

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

        Assert.Equal("WebIdentityTokenFileUnreadable", ex.ErrorCode);
        Assert.True(ex.IsTransient);
        Assert.Equal(1, ex.Hop);
        Assert.Contains(_tokenFile, ex.Message, StringComparison.Ordinal);
        Assert.Empty(engine.Sts.AllCalls);
    }

    [Fact]
    public void WebIdentity_ResolvesIrsaEnvironmentVariables()
    {
        var env = new Dictionary<string, string> { ["AWS_ROLE_ARN"] = PodRole, ["AWS_WEB_IDENTITY_TOKEN_FILE"] = "/var/run/token", ["AWS_ROLE_SESSION_NAME"] = "irsa" };

        var resolved = Extensions.Refresh.FirstHopSpec.ResolveWebIdentity(new WebIdentityOptions(), k => env.GetValueOrDefault(k));

        Assert.Equal((PodRole, "/var/run/token", "irsa"), resolved);
        Assert.Equal("explicit", Extensions.Refresh.FirstHopSpec.ResolveWebIdentity(new WebIdentityOptions { RoleSessionName = "explicit" }, k => env.GetValueOrDefault(k)).SessionName);
    }

    [Fact]
    public async Task SessionToken_BreakGlass_OneMfaCodeServesEveryHopUntilItExpires()
    {
        var engine = CreateEngine();
        var codes = 0;
        using var provider = new AssumeRoleCredentials(Configure(o =>
        {
            o.SourceCredentials = TestEngine.Source("AKIAIAMUSER000000001");
            o.SessionToken = new SessionTokenOptions
            {
                DurationSeconds = 4 * 3600,
                MfaSerialNumber = "arn:aws:iam::111111111111:mfa/alice",
                TokenCodeProvider = _ => ValueTask.FromResult($"{100000 + Interlocked.Increment(ref codes)}"),
            };
            o.Chain.Add(new AssumeRoleHopOptions { RoleArn = "arn:aws:iam::222222222222:role/Ops", DurationSeconds = 7200 });
            o.RoleArn = "arn:aws:iam::333333333333:role/BreakGlass";
        }), engine.Context);

        await provider.WarmUpAsync(TestContext.Current.CancellationToken);
        Assert.Equal(["GetSessionToken", "AssumeRole", "AssumeRole"], engine.Sts.AllCalls.Select(c => c.Action));
        Assert.Equal("AKIAIAMUSER000000001", engine.Sts.AllCalls[0].SourceAccessKey);
        Assert.Equal(3600, engine.Sts.AllCalls[1].DurationSeconds);
        Assert.Equal(3, provider.HopCount);

        // Two hours: the role sessions refresh (at 45 min, 1 h 30) from the MFA session, without a new code.
        for (var i = 0; i < 120; i++)
        {
            await engine.AdvanceAllAsync(TimeSpan.FromMinutes(1));
        }

        Assert.Equal(1, codes);
        Assert.True(engine.Sts.AllCalls.Count(c => c.Action == "AssumeRole") >= 4);
        Assert.All(engine.Sts.AllCalls.Where(c => c.RoleArn == "arn:aws:iam::222222222222:role/Ops"), c => Assert.Equal("ASIAFAKE000000000001", c.SourceAccessKey));

        // The 4-hour MFA session refreshes (advisory window 60 min) with one new code.
        for (var i = 0; i < 120; i++)
        {
            await engine.AdvanceAllAsync(TimeSpan.FromMinutes(1));
        }

        Assert.Equal(2, codes);
        var gst = engine.Sts.AllCalls.Where(c => c.Action == "GetSessionToken").Select(c => (GetSessionTokenRequest)c.Request).ToList();
        Assert.Equal(["100001", "100002"], gst.Select(r => r.TokenCode));
    }

    [Theory]
    [InlineData(true, true, "WebIdentity and SessionToken are both set")]
    [InlineData(true, false, "WebIdentity is set, so SourceCredentials must not be")]
    public void Validate_FirstHopConflicts_Rejected(bool webIdentity, bool sessionToken, string expected)
    {
        var engine = CreateEngine();
        var ex = Assert.Throws<ArgumentException>(() => new AssumeRoleCredentials(Configure(o =>
        {
            o.RoleArn = Target;
            o.SourceCredentials = TestEngine.Source();
            o.WebIdentity = webIdentity ? new WebIdentityOptions { RoleArn = PodRole, WebIdentityTokenFile = "/t" } : null;
            o.SessionToken = sessionToken ? new SessionTokenOptions() : null;
        }), engine.Context));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SessionTokenMfaWithoutProvider_Rejected()
    {
        var engine = CreateEngine();
        var ex = Assert.Throws<ArgumentException>(() => new AssumeRoleCredentials(Configure(o =>
        {
            o.RoleArn = Target;
            o.SourceCredentials = TestEngine.Source();
            o.SessionToken = new SessionTokenOptions { MfaSerialNumber = "arn:aws:iam::111111111111:mfa/alice" };
        }), engine.Context));

        Assert.Contains("SessionToken.TokenCodeProvider is required", ex.Message, StringComparison.Ordinal);
    }
}
