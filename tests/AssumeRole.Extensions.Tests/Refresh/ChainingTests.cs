using AssumeRole.Extensions.Tests.Fakes;
using Amazon.SecurityToken.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace AssumeRole.Extensions.Tests.Refresh;

public sealed class ChainingTests
{
    private const string Hop1 = "arn:aws:iam::111111111111:role/Ci";
    private const string Hop2 = "arn:aws:iam::222222222222:role/Deploy";
    private const string Target = "arn:aws:iam::333333333333:role/BreakGlass";

    private readonly FakeLogCollector _logs = FakeLogCollector.Create(new FakeLogCollectorOptions());

    private TestEngine CreateEngine() =>
        new(loggerFactory: LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(_logs))), signWithSource: true);

    private static void ChainOf(AssumeRoleOptions o, params string[] roles)
    {
        foreach (var role in roles[..^1])
        {
            o.Chain.Add(new AssumeRoleHopOptions { RoleArn = role, RoleSessionName = "hop" });
        }

        o.RoleArn = roles[^1];
    }

    private List<FakeStsCall> AssumeRoleCalls(TestEngine engine) => [.. engine.Sts.AllCalls.Where(c => c.Action == "AssumeRole")];

    [Fact]
    public async Task GetCredentials_HopWithoutSessionName_TakesTheRolesSessionName()
    {
        // Issue 15: hops take the role's RoleSessionName when they set none, as they take its Region and ServiceUrl.
        var engine = CreateEngine();
        using var provider = engine.Create(o =>
        {
            o.RoleSessionName = "deployer";
            o.Chain.Add(new AssumeRoleHopOptions { RoleArn = Hop1 });
            o.Chain.Add(new AssumeRoleHopOptions { RoleArn = Hop2, RoleSessionName = "own-name" });
            o.RoleArn = Target;
        });

        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        var names = engine.Sts.Calls.ToDictionary(c => c.RoleArn, c => c.RoleSessionName);
        Assert.Equal("deployer", names[Hop1]);
        Assert.Equal("own-name", names[Hop2]);
        Assert.Equal("deployer", names[Target]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task GetCredentials_ChainOfNHops_EachHopSignedWithPreviousHopsCredentials(int hops)
    {
        var engine = CreateEngine();
        string[] roles = [Hop1, Hop2, Target];
        using var provider = engine.Create(o => ChainOf(o, roles[^hops..]), TestEngine.Source("AKIAROOTUSER00000001"));

        var creds = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        var calls = AssumeRoleCalls(engine);
        Assert.Equal(roles[^hops..], calls.Select(c => c.RoleArn));
        Assert.Equal("AKIAROOTUSER00000001", calls[0].SourceAccessKey);
        for (var i = 1; i < hops; i++)
        {
            // Hop i+1 is signed with the key hop i was issued: the FakeSts issues keys in call order.
            Assert.Equal($"ASIAFAKE{i:D12}", calls[i].SourceAccessKey);
        }

        Assert.Equal($"ASIAFAKE{hops:D12}", creds.AccessKey);
        Assert.Equal(hops, provider.HopCount);
        Assert.EndsWith($"assumed-role/{Target[(Target.LastIndexOf('/') + 1)..]}/test-session", provider.AssumedRoleArn);
    }

    [Fact]
    public async Task Plan_ChainedHopAsksForTwoHours_ClampedTo3600WithOneWarningNamingHop()
    {
        var engine = CreateEngine();
        using var provider = engine.Create(o =>
        {
            ChainOf(o, Hop1, Target);
            o.Chain[0].DurationSeconds = 7200; // first hop from IAM user keys: not chained, passes unchanged
            o.DurationSeconds = 7200;
        });

        await provider.WarmUpAsync(TestContext.Current.CancellationToken);

        Assert.Equal([7200, 3600], AssumeRoleCalls(engine).Select(c => c.DurationSeconds));
        var warning = Assert.Single(_logs.GetSnapshot(), r => r.Level == LogLevel.Warning);
        Assert.Contains(Target, warning.Message, StringComparison.Ordinal);
        Assert.Contains("hop 2", warning.Message, StringComparison.Ordinal);
        Assert.Contains("7200", warning.Message, StringComparison.Ordinal);
        Assert.Contains("3600", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_TwentyProvidersOfOneClampedChain_OneWarningForTheSharedSession()
    {
        var engine = CreateEngine();
        var providers = Enumerable.Range(0, 20).Select(_ => engine.Create(o =>
        {
            ChainOf(o, Hop1, Target);
            o.DurationSeconds = 7200;
        })).ToList();

        await Task.WhenAll(providers.Select(p => p.WarmUpAsync(TestContext.Current.CancellationToken)));

        Assert.Equal([null, 3600], AssumeRoleCalls(engine).Select(c => c.DurationSeconds));
        var warning = Assert.Single(_logs.GetSnapshot(), r => r.Id.Id == 6);
        Assert.Contains("hop 2", warning.Message, StringComparison.Ordinal);

        // Once the session is gone (every holder disposed, evicted), a new one is a new session: it warns again.
        providers.ForEach(p => p.Dispose());
        engine.Time.Advance(TimeSpan.FromMinutes(16)); // idle timeout 15 min; the sessions are unleased, so nothing refreshes
        engine.Cache.Sweep();
        using var again = engine.Create(o =>
        {
            ChainOf(o, Hop1, Target);
            o.DurationSeconds = 7200;
        });
        Assert.Equal(2, _logs.GetSnapshot().Count(r => r.Id.Id == 6));
    }

    [Fact]
    public async Task Plan_AllDurationsFit_RequestsPassThroughUnchangedWithoutWarning()
    {
        var engine = CreateEngine();
        using var provider = engine.Create(o =>
        {
            ChainOf(o, Hop1, Hop2, Target);
            o.Chain[0].DurationSeconds = 43200;
            o.Chain[1].DurationSeconds = 3600;
            o.DurationSeconds = 900;
        });

        await provider.WarmUpAsync(TestContext.Current.CancellationToken);

        Assert.Equal([43200, 3600, 900], AssumeRoleCalls(engine).Select(c => c.DurationSeconds));
        Assert.DoesNotContain(_logs.GetSnapshot(), r => r.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task Plan_SourceIsTemporaryKey_FirstHopAlsoClamped()
    {
        var engine = CreateEngine();
        using var provider = engine.Create(o => o.DurationSeconds = 7200, TestEngine.Source("ASIATEMPORARYKEY0001"));

        await provider.WarmUpAsync(TestContext.Current.CancellationToken);

        Assert.Equal(3600, Assert.Single(AssumeRoleCalls(engine)).DurationSeconds);
    }

    [Fact]
    public void Plan_StrictModeChainedHopTooLong_ThrowsAtConstructionNamingHopWithoutStsCall()
    {
        var engine = CreateEngine();

        var ex = Assert.Throws<ArgumentException>(() => engine.Create(o =>
        {
            ChainOf(o, Hop1, Hop2, Target);
            o.Chain[1].DurationSeconds = 7200;
            o.StrictChainDurations = true;
        }));

        Assert.Contains($"hop 2 of 3 ({Hop2})", ex.Message, StringComparison.Ordinal);
        Assert.Contains("7200", ex.Message, StringComparison.Ordinal);
        Assert.Empty(engine.Sts.AllCalls);
    }

    [Fact]
    public async Task Fetch_RoleMaxSessionDurationExceeded_OneExtraCallThenNoneOnLaterRefreshes()
    {
        var engine = CreateEngine();
        engine.Sts.Always = r => r.RoleArn == Target && r.DurationSeconds > 3600 ? FakeSts.MaxSessionDurationExceeded() : null;
        using var first = engine.Create(o => { o.RoleArn = Target; o.DurationSeconds = 7200; });

        await first.WarmUpAsync(TestContext.Current.CancellationToken);
        Assert.Equal([7200, 3600], AssumeRoleCalls(engine).Select(c => c.DurationSeconds));
        Assert.Single(_logs.GetSnapshot(), r => r.Id.Id == 7);

        // Refresh point of a 1-hour session: 45 minutes. Exactly one call, at the learned cap.
        await engine.AdvanceAsync(TimeSpan.FromMinutes(46), first);
        var durations = AssumeRoleCalls(engine).Select(c => c.DurationSeconds).ToList();
        Assert.Equal([7200, 3600, 3600], durations);
        Assert.Single(_logs.GetSnapshot(), r => r.Id.Id == 7);
    }

    [Fact]
    public async Task Fetch_SourceExpiredToken_RefreshesSourceOnceThenRetries()
    {
        var engine = CreateEngine();
        using var provider = engine.Create(o => ChainOf(o, Hop1, Target));
        engine.Sts.FailNextWhere(c => c.RoleArn == Target ? FakeSts.ExpiredToken() : null);

        var creds = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        var calls = AssumeRoleCalls(engine);
        Assert.Equal([Hop1, Target, Hop1, Target], calls.Select(c => c.RoleArn));
        Assert.Equal("ASIAFAKE000000000002", calls[3].SourceAccessKey); // signed with the refreshed source
        Assert.Equal("ASIAFAKE000000000003", creds.AccessKey);
        Assert.Single(_logs.GetSnapshot(), r => r.Id.Id == 8);
    }

    [Fact]
    public async Task Fetch_SourceExpiredTokenTwice_FailsAfterOneSourceRefresh()
    {
        var engine = CreateEngine();
        using var provider = engine.Create(o => ChainOf(o, Hop1, Target));
        engine.Sts.Always = r => r.RoleArn == Target ? FakeSts.ExpiredToken() : null;

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

        Assert.Equal("ExpiredToken", ex.ErrorCode);
        Assert.Equal(2, ex.Hop);
        Assert.Equal([Hop1, Target, Hop1, Target], AssumeRoleCalls(engine).Select(c => c.RoleArn));
    }

    [Fact]
    public async Task Fetch_SourceHopDenied_ErrorNamesTheSourceHop()
    {
        var engine = CreateEngine();
        engine.Sts.Always = r => r.RoleArn == Hop1 ? FakeSts.AccessDenied(Hop1) : null;
        using var provider = engine.Create(o => ChainOf(o, Hop1, Hop2, Target));

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

        Assert.Equal(1, ex.Hop);
        Assert.Equal(3, ex.HopCount);
        Assert.Equal(Hop1, ex.RoleArn);
        Assert.Equal("AccessDenied", ex.ErrorCode);
        Assert.Equal([Hop1], AssumeRoleCalls(engine).Select(c => c.RoleArn));
    }

    [Fact]
    public async Task Expiration_ChainedSessionOutlivesParent_IsItsOwn()
    {
        var engine = CreateEngine();
        var t0 = engine.Time.GetUtcNow();
        using var provider = engine.Create(o =>
        {
            ChainOf(o, Hop1, Target);
            o.Chain[0].DurationSeconds = 900;
            o.DurationSeconds = 3600;
        });

        await provider.WarmUpAsync(TestContext.Current.CancellationToken);

        Assert.Equal((t0 + TimeSpan.FromHours(1)).UtcDateTime, provider.Expiration);
    }

    [Fact]
    public async Task Refresh_SourceExpiredWhenHopRefreshes_SourceRefreshedFirstAndUsed()
    {
        var engine = CreateEngine();
        engine.Sts.RejectExpiredSources = true;
        using var provider = engine.Create(o =>
        {
            ChainOf(o, Hop1, Target);
            o.Chain[0].DurationSeconds = 900;
        });
        using var source = engine.Create(o => { o.RoleArn = Hop1; o.RoleSessionName = "hop"; o.DurationSeconds = 900; });
        await provider.WarmUpAsync(TestContext.Current.CancellationToken);
        await source.WarmUpAsync(TestContext.Current.CancellationToken);
        Assert.Equal(2, engine.Sts.AllCalls.Count); // the standalone source provider shares the chain's first session

        // The source's STS is down for 20 minutes: its 15-minute session lapses while the target's stays valid.
        engine.Sts.Always = r => r.RoleArn == Hop1 ? FakeSts.Internal() : null;
        for (var minute = 0; minute < 20; minute++)
        {
            await engine.AdvanceAllAsync(TimeSpan.FromMinutes(1));
        }

        Assert.Null(source.Session.State is { } s && engine.Cache.Clock.NowMs < s.ExpiresAtMs ? s : null);
        engine.Sts.Always = null;

        // The target's refresh point (45 min) and beyond: every target call is signed with a live source key.
        for (var minute = 20; minute < 50; minute++)
        {
            await engine.AdvanceAllAsync(TimeSpan.FromMinutes(1));
        }

        var calls = engine.Sts.AllCalls;
        var targetRefresh = calls.Last(c => c.RoleArn == Target);
        Assert.NotEqual(calls.First(c => c.RoleArn == Target), targetRefresh);
        var sourceCall = calls.Take(calls.ToList().IndexOf(targetRefresh)).Last(c => c.RoleArn == Hop1);
        Assert.True(sourceCall.At >= engine.Time.GetUtcNow() - TimeSpan.FromMinutes(30), "source was refreshed after it lapsed");
        Assert.DoesNotContain(_logs.GetSnapshot(), r => r.Message.Contains("ExpiredToken", StringComparison.Ordinal));
        Assert.NotNull(await provider.GetCredentialsAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Acquire_ChainsSharingAPrefix_ShareThePrefixSessions()
    {
        var engine = CreateEngine();
        using var a = engine.Create(o => ChainOf(o, Hop1, Hop2, Target));
        using var b = engine.Create(o => ChainOf(o, Hop1, Hop2, "arn:aws:iam::444444444444:role/Other"));
        using var prefix = engine.Create(o => { o.RoleArn = Hop2; o.RoleSessionName = "hop"; o.Chain.Add(new AssumeRoleHopOptions { RoleArn = Hop1, RoleSessionName = "hop" }); });

        await a.WarmUpAsync(TestContext.Current.CancellationToken);
        await b.WarmUpAsync(TestContext.Current.CancellationToken);
        await prefix.WarmUpAsync(TestContext.Current.CancellationToken);

        Assert.Equal([Hop1, Hop2, Target, "arn:aws:iam::444444444444:role/Other"], AssumeRoleCalls(engine).Select(c => c.RoleArn));
        var calls = AssumeRoleCalls(engine);
        Assert.Equal(calls[2].SourceAccessKey, calls[3].SourceAccessKey);
        Assert.Equal(4, engine.Cache.Count);
    }

    [Fact]
    public async Task Acquire_SamePrefixDifferentRootSource_NotShared()
    {
        var engine = CreateEngine();
        using var a = engine.Create(o => ChainOf(o, Hop1, Target), TestEngine.Source("AKIAROOTUSER00000001"));
        using var b = engine.Create(o => ChainOf(o, Hop1, Target), TestEngine.Source("AKIAROOTUSER00000002"));

        await a.WarmUpAsync(TestContext.Current.CancellationToken);
        await b.WarmUpAsync(TestContext.Current.CancellationToken);

        Assert.Equal(4, AssumeRoleCalls(engine).Count);
        Assert.NotEqual(a.SessionKey, b.SessionKey);
    }

    [Theory]
    [InlineData(9, true)]
    [InlineData(10, false)]
    public void Validate_ChainDepth_LimitedToTenHops(int chainLength, bool valid)
    {
        var engine = CreateEngine();
        void Configure(AssumeRoleOptions o)
        {
            for (var i = 0; i < chainLength; i++)
            {
                o.Chain.Add(new AssumeRoleHopOptions { RoleArn = $"arn:aws:iam::111111111111:role/R{i}" });
            }
        }

        if (valid)
        {
            using var provider = engine.Create(Configure);
            Assert.Equal(10, provider.HopCount);
        }
        else
        {
            var ex = Assert.Throws<ArgumentException>(() => engine.Create(Configure));
            Assert.Contains("Chain has 11 hops; at most 10", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Fetch_MfaHop_FreshCodeForEveryStsCallIncludingRetries()
    {
        var engine = CreateEngine();
        var codes = 0;
        engine.Sts.Always = r => r.DurationSeconds > 3600 ? FakeSts.MaxSessionDurationExceeded() : null;
        using var provider = engine.Create(o =>
        {
            o.DurationSeconds = 7200; // the downgrade retry is a second STS call within one attempt
            o.MfaSerialNumber = "arn:aws:iam::123456789012:mfa/alice";
            o.TokenCodeProvider = _ => ValueTask.FromResult($"{100000 + Interlocked.Increment(ref codes)}");
        });

        await provider.WarmUpAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["100001", "100002"], engine.Sts.Calls.Select(r => r.TokenCode));
        await engine.AdvanceAsync(TimeSpan.FromMinutes(50), provider);
        Assert.Equal(["100001", "100002", "100003"], engine.Sts.Calls.Select(r => r.TokenCode));
        Assert.All(engine.Sts.Calls, r => Assert.Equal("arn:aws:iam::123456789012:mfa/alice", r.SerialNumber));
    }

    [Fact]
    public async Task Fetch_AccessDeniedWithoutMfaConfigured_MessageSuggestsMfa()
    {
        var engine = CreateEngine();
        engine.Sts.Always = _ => FakeSts.AccessDenied(Target);
        using var provider = engine.Create(o => o.RoleArn = Target);

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

        Assert.Contains("MfaSerialNumber and TokenCodeProvider", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_TokenCodeProviderReturnsGarbage_FailsWithoutCallingStsOrEchoingIt()
    {
        var engine = CreateEngine();
        using var provider = engine.Create(o =>
        {
            o.MfaSerialNumber = "arn:aws:iam::123456789012:mfa/alice";
            o.TokenCodeProvider = _ => ValueTask.FromResult("12ab5");
        });

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

        Assert.Equal("MfaTokenCodeInvalid", ex.ErrorCode);
        Assert.DoesNotContain("12ab5", ex.Message, StringComparison.Ordinal);
        Assert.Empty(engine.Sts.AllCalls);
    }

    [Fact]
    public void Validate_MfaWithoutProvider_FailsAtConstructionNamingHop()
    {
        var engine = CreateEngine();

        var ex = Assert.Throws<ArgumentException>(() => engine.Create(o =>
        {
            ChainOf(o, Hop1, Target);
            o.Chain[0].MfaSerialNumber = "arn:aws:iam::123456789012:mfa/alice";
        }));

        Assert.Contains("Chain[0].MfaSerialNumber is set, so TokenCodeProvider is required", ex.Message, StringComparison.Ordinal);
    }
}
