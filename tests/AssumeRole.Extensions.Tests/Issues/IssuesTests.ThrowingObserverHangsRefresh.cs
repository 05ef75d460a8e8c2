using System.Diagnostics;
using System.Diagnostics.Metrics;
using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Tests.Diagnostics;
using AssumeRole.Extensions.Tests.Fakes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// The shared refresh task was published as in flight before "Refresh started" was logged and before its span was
/// started, outside the code that completes it: one exception from a logger or an <see cref="ActivityListener"/>
/// left it uncompleted, and every later caller (sync ones included) waited for ever with no STS call. Taking a lease
/// had the same shape ("Refresh scheduled" logged after the lease was counted), leaking the lease. Failures that are
/// not STS errors (a user callback, the clock) reached waiters untyped.
/// </summary>
public sealed class IssuesTestsThrowingObserverHangsRefresh
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task GetCredentialsAsync_LoggerThrowsOnEveryEvent_RefreshCompletesWithCredentials()
    {
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new ThrowingLoggerProvider()));
        var engine = new TestEngine(loggerFactory: factory);
        using var provider = engine.Create();

        var credentials = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken).WaitAsync(Bound, TestContext.Current.CancellationToken);

        Assert.StartsWith("ASIAFAKE", credentials.AccessKey, StringComparison.Ordinal);
        Assert.Equal(1, engine.Sts.CallCount);
        Assert.Null(provider.Session.PendingRefresh);
    }

    [Fact]
    public async Task GetCredentials_SyncCallerAndLoggerThrowsOnEveryEvent_ReturnsCredentials()
    {
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new ThrowingLoggerProvider()));
        var engine = new TestEngine(loggerFactory: factory);
        using var provider = engine.Create();

        var credentials = await Task.Run(provider.GetCredentials, TestContext.Current.CancellationToken).WaitAsync(Bound, TestContext.Current.CancellationToken);

        Assert.StartsWith("ASIAFAKE", credentials.AccessKey, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetCredentialsAsync_ActivityListenerSampleThrows_RefreshCompletesWithCredentials()
    {
        // The listener throws only for refresh spans linked to this test's caller span (listeners are process-wide).
        using var callerSource = new ActivitySource("IssuesTests.ThrowingListener." + Guid.NewGuid().ToString("N"));
        ActivityTraceId? mine = null;
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == TelemetryNames.Source || s.Name == callerSource.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
            {
                if (mine is { } id && options.Links is { } links && links.Any(l => l.Context.TraceId == id))
                {
                    throw new InvalidOperationException("listener down");
                }

                return ActivitySamplingResult.AllDataAndRecorded;
            },
        };
        ActivitySource.AddActivityListener(listener);
        var engine = new TestEngine();
        using var provider = engine.Create();

        using (var caller = callerSource.StartActivity("caller"))
        {
            Assert.NotNull(caller);
            mine = caller.TraceId;
            var credentials = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken).WaitAsync(Bound, TestContext.Current.CancellationToken);
            Assert.NotNull(credentials);
        }

        Assert.Equal(1, engine.Sts.CallCount);
    }

    [Fact]
    public async Task GetCredentialsAsync_MeterListenerThrowsOnEveryMeasurement_RefreshCompletesWithCredentials()
    {
        using var meters = new TestMeterFactory();
        var telemetry = AssumeRoleTelemetry.For(meters);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, telemetry.Meter))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, _, _) => throw new InvalidOperationException("meter sink down"));
        listener.SetMeasurementEventCallback<double>((_, _, _, _) => throw new InvalidOperationException("meter sink down"));
        listener.Start();
        var engine = new TestEngine(telemetry: telemetry);
        using var provider = engine.Create();

        var credentials = await provider.GetCredentialsAsync(TestContext.Current.CancellationToken).WaitAsync(Bound, TestContext.Current.CancellationToken);

        Assert.NotNull(credentials);
        Assert.Equal(1, engine.Sts.CallCount);
    }

    [Fact]
    public async Task NewProvider_LoggerThrowsWhileLeaseRearmsTimer_ProviderWorksAndLeaseIsNotLeaked()
    {
        var throwing = new ThrowingLoggerProvider { Enabled = false };
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(throwing));
        var engine = new TestEngine(loggerFactory: factory);
        var first = engine.Create();
        await first.GetCredentialsAsync(TestContext.Current.CancellationToken);
        var session = first.Session;
        first.Dispose();
        Assert.Equal(0, session.Leases);

        // Leasing the idle session again re-arms its proactive refresh and logs "Refresh scheduled".
        throwing.Enabled = true;
        using (var second = engine.Create())
        {
            Assert.Same(session, second.Session);
            Assert.Equal(1, session.Leases);
            Assert.NotNull(await second.GetCredentialsAsync(TestContext.Current.CancellationToken));
        }

        Assert.Equal(0, session.Leases);
    }

    [Fact]
    public async Task GetCredentialsAsync_GatewayThrowsUntypedException_WaitersGetTypedErrorAndNextCallRefreshes()
    {
        var engine = new TestEngine();
        using var provider = engine.Create();
        engine.Sts.FailNext(new InvalidOperationException("gateway bug"));

        var error = await Assert.ThrowsAsync<AssumeRoleException>(
            () => provider.GetCredentialsAsync(TestContext.Current.CancellationToken).WaitAsync(Bound, TestContext.Current.CancellationToken));

        Assert.Equal("UnexpectedError", error.ErrorCode);
        Assert.Equal(TestEngine.RoleArn, error.RoleArn);
        Assert.IsType<InvalidOperationException>(error.InnerException);
        Assert.DoesNotContain("gateway bug", error.Message, StringComparison.Ordinal);
        Assert.Null(provider.Session.PendingRefresh);

        engine.Time.Advance(AssumeRoleDefaults.TransientErrorMemory);
        Assert.NotNull(await provider.GetCredentialsAsync(TestContext.Current.CancellationToken).WaitAsync(Bound, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task GetCredentialsAsync_ClockThrowsWhileRefreshIsInFlight_WaiterGetsTypedErrorAndNextCallRefreshes()
    {
        var clock = new ThrowingClock(TestEngine.RealNow());
        var engine = new TestEngine(time: clock);
        using var provider = engine.Create();
        engine.Sts.Gate = new TaskCompletionSource();

        var waiter = provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
        Assert.True(engine.Sts.WaitForCalls(1));
        clock.Throw = true;
        engine.Sts.Gate.SetResult();

        var error = await Assert.ThrowsAsync<AssumeRoleException>(() => waiter.WaitAsync(Bound, TestContext.Current.CancellationToken));
        Assert.Equal("UnexpectedError", error.ErrorCode);
        Assert.Null(provider.Session.PendingRefresh);

        clock.Throw = false;
        clock.Advance(AssumeRoleDefaults.TransientErrorMemory);
        Assert.NotNull(await provider.GetCredentialsAsync(TestContext.Current.CancellationToken).WaitAsync(Bound, TestContext.Current.CancellationToken));
    }

    /// <summary>A fake clock whose monotonic reading throws while <see cref="Throw"/> is set.</summary>
    private sealed class ThrowingClock(DateTimeOffset start) : FakeTimeProvider(start)
    {
        public volatile bool Throw;

        public override long GetTimestamp() => Throw ? throw new InvalidOperationException("clock down") : base.GetTimestamp();
    }

    /// <summary>A logging provider whose loggers throw on every call while <see cref="Enabled"/>, as a broken sink might.</summary>
    private sealed class ThrowingLoggerProvider : ILoggerProvider
    {
        public volatile bool Enabled = true;

        public ILogger CreateLogger(string categoryName) => new ThrowingLogger(this);

        public void Dispose()
        {
        }

        private sealed class ThrowingLogger(ThrowingLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (owner.Enabled)
                {
                    throw new InvalidOperationException("log sink down");
                }
            }
        }
    }
}
