using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Tests.Fakes;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace AssumeRole.Extensions.Tests.Diagnostics;

/// <summary>
/// A <see cref="TestEngine"/> whose logs (at Trace), metrics (own meter factory) and spans are all captured. Each test
/// uses its own role name, because the activity source is process-wide and tests run in parallel.
/// </summary>
internal sealed class ObservedEngine : IDisposable
{
    private readonly ConcurrentQueue<Activity> _activities = new();
    private readonly ActivityListener _listener;

    public ObservedEngine(string roleName)
    {
        RoleArn = $"arn:aws:iam::123456789012:role/{roleName}";
        Logs = new FakeLogCollector();
        LoggerFactory = new LoggerFactory([new FakeLoggerProvider(Logs)], new LoggerFilterOptions { MinLevel = LogLevel.Trace });
        MeterFactory = new TestMeterFactory();
        Telemetry = AssumeRoleTelemetry.For(MeterFactory);
        Engine = new TestEngine(loggerFactory: LoggerFactory, telemetry: Telemetry);
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == TelemetryNames.Source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _activities.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public string RoleArn { get; }

    public FakeLogCollector Logs { get; }

    public ILoggerFactory LoggerFactory { get; }

    public TestMeterFactory MeterFactory { get; }

    public AssumeRoleTelemetry Telemetry { get; }

    public TestEngine Engine { get; }

    public FakeSts Sts => Engine.Sts;

    /// <summary>Stopped spans of this test (of its role ARN, or children of its spans).</summary>
    public IReadOnlyList<Activity> Activities
    {
        get
        {
            var all = _activities.ToArray();
            var mine = all.Where(a => a.GetTagItem(TelemetryNames.RoleArnTag) is string arn && arn.StartsWith(RoleArn, StringComparison.Ordinal)).ToList();
            return mine;
        }
    }

    /// <summary>Every stopped span the listener saw, this test's or not.</summary>
    public IReadOnlyList<Activity> AllActivities => [.. _activities];

    public AssumeRoleCredentials Create(Action<AssumeRoleOptions>? configure = null) =>
        Engine.Create(o =>
        {
            o.RoleArn = RoleArn;
            configure?.Invoke(o);
        });

    public MetricCollector<T> Collect<T>(string instrument)
        where T : struct => new(Telemetry.Meter, instrument, Engine.Time);

    public IReadOnlyList<FakeLogRecord> LogsWithId(int eventId) => [.. Logs.GetSnapshot().Where(r => r.Id.Id == eventId)];

    /// <summary>
    /// Waits (bounded, in real time) until an event <paramref name="eventId"/> has been logged. After
    /// <c>FakeTimeProvider.Advance</c> the timers due may not have fired yet: when another thread is inside the fake
    /// clock's wake-up loop at that moment (arming or changing a timer of its own), <c>Advance</c> returns at once and
    /// that thread fires them a moment later, so a refresh a timer starts may not be in flight yet when the test looks.
    /// </summary>
    public void WaitForLog(int eventId) =>
        SpinWait.SpinUntil(() => LogsWithId(eventId).Count > 0, TimeSpan.FromSeconds(10));

    /// <summary>Waits (bounded, in real time) until a span matching <paramref name="match"/> has stopped.</summary>
    public Activity WaitForActivity(Func<Activity, bool> match)
    {
        Activity? found = null;
        var ok = SpinWait.SpinUntil(() => (found = Activities.FirstOrDefault(match)) is not null, TimeSpan.FromSeconds(10));
        Assert.True(ok, "The expected span did not stop.");
        return found!;
    }

    /// <summary>Advances the fake clock in steps, letting each refresh the timers start finish.</summary>
    public async Task AdvanceAsync(TimeSpan by, AssumeRoleCredentials provider, int steps = 1)
    {
        for (var i = 0; i < steps; i++)
        {
            await Engine.AdvanceAsync(by / steps, provider);
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        MeterFactory.Dispose();
        LoggerFactory.Dispose();
    }
}
