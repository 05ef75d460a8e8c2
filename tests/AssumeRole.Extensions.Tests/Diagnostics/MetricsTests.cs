using System.Diagnostics.Metrics;
using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Sts;
using AssumeRole.Extensions.Tests.Fakes;
using Amazon.SecurityToken.Model;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace AssumeRole.Extensions.Tests.Diagnostics;

public sealed class MetricsTests
{
    [Fact]
    public async Task StsRequests_SuccessAndFailure_CountedByActionOutcomeAndErrorType()
    {
        using var o = new ObservedEngine("MetricSts");
        using var requests = o.Collect<long>(TelemetryNames.StsRequests);
        using var provider = o.Create();
        o.Sts.FailNext(FakeSts.AccessDenied(o.RoleArn));

        await Assert.ThrowsAsync<AssumeRoleException>(() => provider.WarmUpAsync(TestContext.Current.CancellationToken));
        o.Engine.Time.Advance(TimeSpan.FromSeconds(6));
        await provider.WarmUpAsync(TestContext.Current.CancellationToken);

        var all = requests.GetMeasurementSnapshot();
        Assert.Equal(2, all.Count);
        Assert.True(all[0].MatchesTags(
            T(TelemetryNames.ActionTag, "AssumeRole"), T(TelemetryNames.OutcomeTag, "failure"), T(TelemetryNames.ErrorTypeTag, "AccessDenied")));
        Assert.True(all[1].MatchesTags(T(TelemetryNames.ActionTag, "AssumeRole"), T(TelemetryNames.OutcomeTag, "success")));
        Assert.All(all, m => Assert.Equal(1, m.Value));
    }

    [Fact]
    public async Task StsDuration_SlowAnswer_RecordedInSecondsOnTheEngineClock()
    {
        using var o = new ObservedEngine("MetricDuration");
        using var duration = o.Collect<double>(TelemetryNames.StsDuration);
        using var provider = o.Create();
        o.Sts.Gate = new TaskCompletionSource();

        var warm = provider.WarmUpAsync(TestContext.Current.CancellationToken);
        Assert.True(SpinWait.SpinUntil(() => o.Sts.CallCount == 1, TimeSpan.FromSeconds(10)));
        o.Engine.Time.Advance(TimeSpan.FromSeconds(2));
        o.Sts.Gate.SetResult();
        await warm;

        var m = Assert.Single(duration.GetMeasurementSnapshot());
        Assert.Equal(2.0, m.Value);
        Assert.True(m.MatchesTags(T(TelemetryNames.ActionTag, "AssumeRole"), T(TelemetryNames.OutcomeTag, "success")));
        Assert.Equal("s", duration.Instrument!.Unit);
    }

    [Fact]
    public async Task Refreshes_ColdProactiveAndFailure_CountedByTriggerAndOutcome()
    {
        using var o = new ObservedEngine("MetricRefresh");
        using var refreshes = o.Collect<long>(TelemetryNames.Refreshes);
        using var provider = o.Create();

        await provider.WarmUpAsync(TestContext.Current.CancellationToken);
        o.Sts.FailNext(FakeSts.Internal());
        await o.AdvanceAsync(TimeSpan.FromMinutes(45), provider);
        await o.AdvanceAsync(TimeSpan.FromSeconds(30), provider);

        var all = refreshes.GetMeasurementSnapshot();
        Assert.Equal(3, all.Count);
        Assert.True(all[0].MatchesTags(T(TelemetryNames.TriggerTag, "cold"), T(TelemetryNames.OutcomeTag, "success")));
        Assert.True(all[1].MatchesTags(
            T(TelemetryNames.TriggerTag, "proactive"), T(TelemetryNames.OutcomeTag, "failure"), T(TelemetryNames.ErrorTypeTag, "InternalFailure")));
        Assert.True(all[2].MatchesTags(T(TelemetryNames.TriggerTag, "proactive"), T(TelemetryNames.OutcomeTag, "success")));
    }

    [Fact]
    public async Task Refreshes_SourceExpiredInChain_CountsForcedRefreshOfTheSourceHop()
    {
        using var o = new ObservedEngine("MetricForced");
        using var refreshes = o.Collect<long>(TelemetryNames.Refreshes);
        using var provider = o.Create(opt => opt.Chain = [new AssumeRoleHopOptions { RoleArn = o.RoleArn + "First" }]);
        o.Sts.FailNext(StsErrors.ExpiredToken());

        await provider.WarmUpAsync(TestContext.Current.CancellationToken);

        var triggers = refreshes.GetMeasurementSnapshot().Select(m => (string?)m.Tags[TelemetryNames.TriggerTag]).ToList();
        Assert.Equal(["forced", "cold"], triggers);
    }

    [Fact]
    public async Task Refreshes_UnleasedSessionPastRefreshPointAndPastExpiry_CountsAdvisoryAndMandatory()
    {
        using var o = new ObservedEngine("MetricAdvisory");
        using var refreshes = o.Collect<long>(TelemetryNames.Refreshes);

        // An unleased session has no proactive timer, so only callers start its refreshes.
        using var session = new RefreshingSession(
            "key", new StubFetcher(o.Sts, o.RoleArn), o.Engine.Cache.Clock, new SessionSettings(null, TimeSpan.FromMinutes(1), () => 0), NullLogger.Instance, o.Telemetry);
        await session.GetStateSlowAsync(CancellationToken.None);
        o.Engine.Time.Advance(TimeSpan.FromMinutes(46));
        await session.GetStateSlowAsync(CancellationToken.None);
        if (session.PendingRefresh is { } advisory)
        {
            await advisory; // null: the pooled refresh already ended (it is published before it starts)
        }
        o.Engine.Time.Advance(TimeSpan.FromMinutes(61));
        await session.GetStateSlowAsync(CancellationToken.None);

        var triggers = refreshes.GetMeasurementSnapshot().Select(m => (string?)m.Tags[TelemetryNames.TriggerTag]).ToList();
        Assert.Equal(["cold", "advisory", "mandatory"], triggers);
    }

    [Fact]
    public async Task CacheLookups_TwoProvidersOfOneSession_CountMissThenHitAtMemoryLevel()
    {
        using var o = new ObservedEngine("MetricCache");
        using var lookups = o.Collect<long>(TelemetryNames.CacheLookups);

        using var first = o.Create();
        using var second = o.Create();
        await second.WarmUpAsync(TestContext.Current.CancellationToken);

        var all = lookups.GetMeasurementSnapshot();
        Assert.Equal(2, all.Count);
        Assert.True(all[0].MatchesTags(T(TelemetryNames.CacheLevelTag, "memory"), T(TelemetryNames.CacheResultTag, "miss")));
        Assert.True(all[1].MatchesTags(T(TelemetryNames.CacheLevelTag, "memory"), T(TelemetryNames.CacheResultTag, "hit")));
    }

    [Fact]
    public void CacheLookups_SecondLevelError_CountedAsError()
    {
        using var o = new ObservedEngine("MetricCacheError");
        using var lookups = o.Collect<long>(TelemetryNames.CacheLookups);

        o.Telemetry.CacheError(NullLogger.Instance, TelemetryNames.DistributedLevel, "write", o.RoleArn, new TimeoutException());

        Assert.True(Assert.Single(lookups.GetMeasurementSnapshot()).MatchesTags(
            T(TelemetryNames.CacheLevelTag, "distributed"), T(TelemetryNames.CacheResultTag, "error")));
    }

    [Fact]
    public async Task CacheLookups_FileCacheSharedByTwoProcesses_CountMissThenHitAtFileLevel()
    {
        using var o = new ObservedEngine("MetricFileCache");
        using var lookups = o.Collect<long>(TelemetryNames.CacheLookups);
        var directory = Directory.CreateTempSubdirectory("assume-role-obs-").FullName;
        try
        {
            var processB = new TestEngine(time: o.Engine.Time, sts: o.Sts, telemetry: o.Telemetry);
            using var a = o.Create(opt => opt.FileCacheDirectory = directory);
            await a.WarmUpAsync(TestContext.Current.CancellationToken);
            await TestEngine.WhenStoredAsync(a);
            using var b = processB.Create(opt =>
            {
                opt.RoleArn = o.RoleArn;
                opt.FileCacheDirectory = directory;
            });
            await b.WarmUpAsync(TestContext.Current.CancellationToken);

            var file = lookups.GetMeasurementSnapshot()
                .Where(m => (string?)m.Tags[TelemetryNames.CacheLevelTag] == "file")
                .Select(m => (string?)m.Tags[TelemetryNames.CacheResultTag])
                .ToList();
            Assert.Equal(["miss", "hit"], file);
            Assert.Equal(1, o.Sts.CallCount);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task TimeToExpiry_LeasedSession_ReportsSecondsLeftPerRoleAndDropsReleasedOnes()
    {
        using var o = new ObservedEngine("MetricGauge");
        using var gauge = o.Collect<double>(TelemetryNames.TimeToExpiry);
        var provider = o.Create();
        await provider.WarmUpAsync(TestContext.Current.CancellationToken);

        o.Engine.Time.Advance(TimeSpan.FromMinutes(10));
        gauge.RecordObservableInstruments();

        var m = Assert.Single(gauge.GetMeasurementSnapshot());
        Assert.Equal(3000, m.Value);
        Assert.True(m.MatchesTags(new KeyValuePair<string, object?>(TelemetryNames.RoleArnTag, o.RoleArn)));
        Assert.Equal("s", gauge.Instrument!.Unit);

        provider.Dispose();
        gauge.Clear();
        gauge.RecordObservableInstruments();
        Assert.Empty(gauge.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task TimeToExpiry_ManyTenantRoles_ReportsOnlyThoseClosestToExpiry()
    {
        using var o = new ObservedEngine("MetricGaugeBound");
        using var gauge = o.Collect<double>(TelemetryNames.TimeToExpiry);
        var providers = new List<AssumeRoleCredentials>();
        for (var i = 0; i < AssumeRoleTelemetry.MaxExpiryGaugeRoles + 5; i++)
        {
            var provider = o.Create(opt =>
            {
                opt.RoleArn = $"{o.RoleArn}{i:D2}";
                opt.DurationSeconds = 900 + (60 * i);
            });
            await provider.WarmUpAsync(TestContext.Current.CancellationToken);
            providers.Add(provider);
        }

        gauge.RecordObservableInstruments();

        var reported = gauge.GetMeasurementSnapshot().Select(m => (string)m.Tags[TelemetryNames.RoleArnTag]!).ToList();
        Assert.Equal(Enumerable.Range(0, AssumeRoleTelemetry.MaxExpiryGaugeRoles).Select(i => $"{o.RoleArn}{i:D2}"), reported);
        providers.ForEach(p => p.Dispose());
    }

    [Fact]
    public async Task Meter_WithoutMeterFactory_IsTheStaticMeterThatListenersSee()
    {
        var engine = new TestEngine();
        Assert.Same(AssumeRoleTelemetry.Default, engine.Context.Telemetry);
        Assert.Same(AssumeRoleTelemetry.Default, AssumeRoleContext.For().Telemetry);
        using var requests = new MetricCollector<long>(null, TelemetryNames.Source, TelemetryNames.StsRequests);
        using var provider = engine.Create(o => o.RoleArn = "arn:aws:iam::123456789012:role/MetricStatic");

        await provider.WarmUpAsync(TestContext.Current.CancellationToken);

        Assert.NotEmpty(requests.GetMeasurementSnapshot());
        Assert.Null(requests.Instrument!.Meter.Scope);
        Assert.Equal(TelemetryNames.Source, requests.Instrument.Meter.Name);
    }

    [Fact]
    public void For_SameMeterFactory_SharesOneTelemetryWithAScopedMeter()
    {
        using var factory = new TestMeterFactory();

        var telemetry = AssumeRoleTelemetry.For(factory);

        Assert.Same(telemetry, AssumeRoleTelemetry.For(factory));
        Assert.Same(telemetry, AssumeRoleContext.For(meterFactory: factory).Telemetry);
        Assert.Same(factory, telemetry.Meter.Scope);
        Assert.Equal(TelemetryNames.Source, telemetry.Meter.Name);
    }

    private static KeyValuePair<string, object?> T(string key, object? value) => new(key, value);

    private sealed class StubFetcher(FakeSts sts, string roleArn) : ISessionFetcher
    {
        public string RoleArn => roleArn;

        public string Endpoint => "stub";

        public Task<StsCredentials> FetchAsync(CancellationToken cancellationToken) =>
            sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = roleArn, RoleSessionName = "stub" }, cancellationToken);

        public void Dispose()
        {
        }
    }
}
