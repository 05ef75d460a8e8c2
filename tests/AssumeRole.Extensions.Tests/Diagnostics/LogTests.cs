using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Tests.Fakes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace AssumeRole.Extensions.Tests.Diagnostics;

public sealed class LogTests
{
    private static readonly TimeSpan s_toRefreshPoint = TimeSpan.FromMinutes(45);

    [Fact]
    public async Task WarmUp_ColdFetch_LogsStartedStsCallSucceededAssumedScheduledAndCacheMiss()
    {
        using var o = new ObservedEngine("LogWarm");
        using var provider = o.Create();

        await provider.WarmUpAsync(TestContext.Current.CancellationToken);

        AssertOne(o, 13, LogLevel.Debug, ("RoleArn", o.RoleArn), ("Level", "memory"));
        AssertOne(o, 3, LogLevel.Debug, ("RoleArn", o.RoleArn), ("Trigger", "cold"));
        AssertOne(o, 16, LogLevel.Debug, ("Action", "AssumeRole"), ("RoleArn", o.RoleArn), ("Outcome", "success"), ("RequestId", "req-1"));
        AssertOne(o, 4, LogLevel.Debug, ("RoleArn", o.RoleArn), ("Trigger", "cold"));
        AssertOne(o, 1, LogLevel.Information, ("RoleArn", o.RoleArn), ("Hop", "1"), ("RequestId", "req-1"));
        AssertOne(o, 2, LogLevel.Debug, ("RoleArn", o.RoleArn), ("Reason", "refresh point"));
    }

    [Theory]
    [InlineData(null, "eu-west-1", "sts.eu-west-1 (regional endpoint)")]
    [InlineData("http://127.0.0.1:4599/", "us-east-1", "http://127.0.0.1:4599/ (signing region us-east-1)")]
    public async Task WarmUp_SessionAssumed_NamesTheStsEndpoint(string? serviceUrl, string region, string expected)
    {
        // Issue 15: where STS went is in log event 1 (it went to us-east-1 silently when AWS:Region said eu-west-1).
        using var o = new ObservedEngine("LogEndpoint" + region);
        using var provider = o.Create(c =>
        {
            c.Region = region;
            c.ServiceUrl = serviceUrl;
        });

        await provider.WarmUpAsync(TestContext.Current.CancellationToken);

        AssertOne(o, 1, LogLevel.Information, ("RoleArn", o.RoleArn), ("StsEndpoint", expected));
    }

    [Fact]
    public async Task Acquire_SecondProviderOfSameSession_LogsCacheHit()
    {
        using var o = new ObservedEngine("LogHit");
        using var first = o.Create();
        using var second = o.Create();

        await second.WarmUpAsync(TestContext.Current.CancellationToken);

        AssertOne(o, 12, LogLevel.Trace, ("RoleArn", o.RoleArn), ("Level", "memory"));
        Assert.Equal(1, o.Sts.CallCount);
    }

    [Fact]
    public async Task ProactiveRefresh_FailsThenRecovers_LogsFailedBackoffAndRecovered()
    {
        using var o = new ObservedEngine("LogBackoff");
        using var provider = o.Create();
        await provider.WarmUpAsync(TestContext.Current.CancellationToken);
        var throttling = FakeSts.Throttling();
        o.Sts.FailNext(throttling);

        // The refresh a timer starts may begin just after Advance returns (see WaitForLog): wait for its last event.
        await o.AdvanceAsync(s_toRefreshPoint, provider);
        o.WaitForLog(5);

        var failed = AssertOne(o, 5, LogLevel.Warning, ("RoleArn", o.RoleArn), ("Trigger", "proactive"), ("Attempt", "1"), ("ErrorCode", "Throttling"), ("RequestId", throttling.RequestId!), ("HasValidCredentials", "True"));
        Assert.Equal("30", failed.GetStructuredStateValue("RetryInSeconds"));
        AssertOne(o, 17, LogLevel.Information, ("RoleArn", o.RoleArn), ("ConsecutiveFailures", "1"));
        AssertOne(o, 2, LogLevel.Debug, ("Reason", "backoff"));
        Assert.Empty(o.LogsWithId(18));

        await o.AdvanceAsync(TimeSpan.FromSeconds(30), provider);
        o.WaitForLog(18);

        AssertOne(o, 18, LogLevel.Information, ("RoleArn", o.RoleArn), ("ConsecutiveFailures", "1"));
    }

    [Fact]
    public void Plan_ChainedHopAskingMoreThanAnHour_LogsDurationClamped()
    {
        using var o = new ObservedEngine("LogClamp");

        using var provider = o.Create(opt =>
        {
            opt.Chain = [new AssumeRoleHopOptions { RoleArn = "arn:aws:iam::123456789012:role/LogClampFirst" }];
            opt.DurationSeconds = 7200;
        });

        AssertOne(o, 6, LogLevel.Warning, ("RoleArn", o.RoleArn), ("Hop", "2"), ("RequestedSeconds", "7200"), ("CappedSeconds", "3600"));
    }

    [Fact]
    public async Task Fetch_StsRefusesDuration_LogsMaxSessionDurationLearned()
    {
        using var o = new ObservedEngine("LogLearn");
        using var provider = o.Create(opt => opt.DurationSeconds = 7200);
        o.Sts.FailNext(StsErrors.MaxSessionDuration());

        await provider.WarmUpAsync(TestContext.Current.CancellationToken);

        AssertOne(o, 7, LogLevel.Warning, ("RoleArn", o.RoleArn), ("RequestedSeconds", "7200"), ("CappedSeconds", "3600"));
        AssertOne(o, 16, LogLevel.Debug, ("Outcome", "failure"), ("ErrorCode", "ValidationError"));
    }

    [Fact]
    public async Task Fetch_SourceSessionExpired_LogsSourceExpired()
    {
        using var o = new ObservedEngine("LogSourceExpired");
        using var provider = o.Create(opt => opt.Chain = [new AssumeRoleHopOptions { RoleArn = o.RoleArn + "First" }]);
        o.Sts.FailNext(StsErrors.ExpiredToken());

        await provider.WarmUpAsync(TestContext.Current.CancellationToken);

        AssertOne(o, 8, LogLevel.Information, ("RoleArn", o.RoleArn), ("Hop", "2"));
        AssertOne(o, 3, LogLevel.Debug, ("RoleArn", o.RoleArn + "First"), ("Trigger", "forced"));
    }

    [Fact]
    public async Task Fetch_TransientFailureWithRetries_LogsStsRetry()
    {
        using var o = new ObservedEngine("LogRetry");
        using var provider = o.Create(opt => opt.MaxStsRetries = 1);
        o.Sts.FailNext(FakeSts.Throttling());

        var warm = provider.WarmUpAsync(TestContext.Current.CancellationToken);
        await DriveClockAsync(o, warm);

        AssertOne(o, 9, LogLevel.Debug, ("Action", "AssumeRole"), ("RoleArn", o.RoleArn), ("ErrorCode", "Throttling"), ("Attempt", "1"));
        Assert.Equal(2, o.LogsWithId(16).Count);
    }

    [Fact]
    public async Task Sweep_IdleReleasedSession_LogsEvicted()
    {
        using var o = new ObservedEngine("LogEvict");
        var provider = o.Create();
        await provider.WarmUpAsync(TestContext.Current.CancellationToken);
        provider.Dispose();

        o.Engine.Time.Advance(TimeSpan.FromMinutes(16));

        AssertOne(o, 10, LogLevel.Debug, ("RoleArn", o.RoleArn), ("Reason", "idle"));
    }

    [Fact]
    public async Task BuildState_LifetimeShorterThanWindows_LogsWindowsShrunk()
    {
        using var o = new ObservedEngine("LogShrunk");
        o.Sts.Lifetime = TimeSpan.FromMinutes(4);
        using var provider = o.Create();

        await provider.WarmUpAsync(TestContext.Current.CancellationToken);

        AssertOne(o, 11, LogLevel.Warning, ("RoleArn", o.RoleArn), ("AdvisorySeconds", "120"), ("MandatorySeconds", "60"));
    }

    [Fact]
    public void CacheError_SecondLevelFails_LogsWarningWithException()
    {
        using var o = new ObservedEngine("LogCacheError");
        var failure = new InvalidOperationException("redis down");

        o.Telemetry.CacheError(o.LoggerFactory.CreateLogger("test"), TelemetryNames.DistributedLevel, "read", o.RoleArn, failure);

        var record = AssertOne(o, 32, LogLevel.Warning, ("Level", "distributed"), ("Operation", "read"), ("RoleArn", o.RoleArn), ("ErrorType", "InvalidOperationException"));
        Assert.DoesNotContain("redis down", record.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_InvalidOptions_LogsValidationFailedWithoutTheExternalId()
    {
        using var o = new ObservedEngine("LogInvalid");
        const string BadExternalId = "bad#external*id";

        Assert.Throws<ArgumentException>(() => o.Create(opt =>
        {
            opt.RoleArn = "not-a-role-arn";
            opt.ExternalId = BadExternalId;
        }));

        // The registration is not the role ARN: the failures quote it once, and it may be the bad value.
        var record = AssertOne(o, 15, LogLevel.Error, ("Registration", "(unnamed)"));
        Assert.Contains("RoleArn 'not-a-role-arn': has 14 characters, fewer than 20", record.Message, StringComparison.Ordinal);
        Assert.Contains("ExternalId (secret, 15 characters, not shown): has a character that is not allowed", record.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(BadExternalId, record.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Log_EventIds_AreUniqueAndNamed()
    {
        var ids = typeof(Log).GetMethods()
            .Select(m => m.GetCustomAttributes(typeof(LoggerMessageAttribute), false).Cast<LoggerMessageAttribute>().SingleOrDefault())
            .OfType<LoggerMessageAttribute>()
            .Select(a => a.EventId)
            .ToList();

        Assert.Equal([.. Enumerable.Range(1, 13), .. Enumerable.Range(15, 6), .. Enumerable.Range(30, 9), .. Enumerable.Range(40, 5)], ids.Order());
    }

    /// <summary>Advances the fake clock in small steps until <paramref name="task"/> ends (Polly's retry delay runs on it).</summary>
    internal static async Task DriveClockAsync(ObservedEngine o, Task task)
    {
        // Bounded by real time, not a step count: on a busy machine the retry may start late, and a step count that
        // ran out would leave its delay unfired on the fake clock and the await below hanging.
        var bound = System.Diagnostics.Stopwatch.StartNew();
        while (!task.IsCompleted && bound.Elapsed < TimeSpan.FromSeconds(60))
        {
            o.Engine.Time.Advance(TimeSpan.FromMilliseconds(100));
            SpinWait.SpinUntil(() => task.IsCompleted, TimeSpan.FromMilliseconds(20));
        }

        Assert.True(task.IsCompleted, "The task did not complete within 60 s of real time.");
        await task;
    }

    private static FakeLogRecord AssertOne(ObservedEngine o, int eventId, LogLevel level, params (string Key, string Value)[] state)
    {
        var records = o.LogsWithId(eventId)
            .Where(r => state.All(s => string.Equals(r.GetStructuredStateValue(s.Key), s.Value, StringComparison.Ordinal)))
            .ToList();
        Assert.True(records.Count == 1, $"Expected one event {eventId} with that state, found {records.Count}; the log:\n"
            + string.Join("\n", o.Logs.GetSnapshot().Select(r => $"{r.Id.Id} {r.Level} {r.Message}")));
        var record = records[0];
        Assert.Equal(level, record.Level);
        return record;
    }
}
