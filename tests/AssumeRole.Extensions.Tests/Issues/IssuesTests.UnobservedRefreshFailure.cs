using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using AssumeRole.Extensions.Sts;
using AssumeRole.Extensions.Tests.Fakes;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// A background refresh that failed with nobody waiting on it left a faulted task nobody observed, so every failed
/// proactive or advisory refresh ended up in <see cref="TaskScheduler.UnobservedTaskException"/> (which many hosts
/// log as an error, or treat as fatal) when the task was collected.
/// </summary>
public sealed class IssuesTestsUnobservedRefreshFailure
{
    private readonly TestEngine _engine = new();

    [Fact]
    public async Task FailedBackgroundRefresh_NobodyWaiting_RaisesNoUnobservedTaskException()
    {
        var marker = "marker-" + Guid.NewGuid().ToString("N");
        var unobserved = new ConcurrentBag<Exception>();
        void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
        {
            foreach (var inner in e.Exception.InnerExceptions)
            {
                unobserved.Add(inner);
            }
        }

        TaskScheduler.UnobservedTaskException += OnUnobserved;
        try
        {
            using var provider = _engine.Create();
            await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);
            await FailOneBackgroundRefreshAsync(provider, marker);
            ProbeUnobserved(marker);

            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= OnUnobserved;
        }

        // The probe proves the collection really ran the finalizers that report unobserved exceptions.
        Assert.Contains(unobserved, e => e.Message == "probe " + marker);
        Assert.DoesNotContain(unobserved, e => e is AssumeRoleException && e.Message.Contains(marker, StringComparison.Ordinal));
    }

    /// <summary>Leaves one faulted task unobserved on purpose.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ProbeUnobserved(string marker) => _ = new TaskCompletionSource().TrySetException(new InvalidOperationException("probe " + marker));

    /// <summary>Lets the proactive timer start a refresh that fails, and waits for it without observing its outcome.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private async Task FailOneBackgroundRefreshAsync(AssumeRoleCredentials provider, string marker)
    {
        _engine.Sts.FailNext(new StsCallException("InternalFailure", marker, HttpStatusCode.InternalServerError, "req-x", isTransient: true));
        _engine.Time.Advance(TimeSpan.FromMinutes(46));
        // The refresh runs on the pool: on a loaded machine it can fail and clear PendingRefresh before this line.
        var pending = provider.Session.PendingRefresh;
        if (pending is not null)
        {
            await Task.WhenAny(pending).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            Assert.True(pending.IsFaulted);
            pending = null; // the debug build would keep it reachable from this method's state machine
        }

        Assert.True(
            SpinWait.SpinUntil(() => _engine.Sts.CallCount >= 2 && provider.Session.PendingRefresh is null, TimeSpan.FromSeconds(30)),
            "the background refresh did not run and finish within 30 s");
        Assert.Equal(2, _engine.Sts.CallCount); // the warm-up call and the one failed refresh (no retry succeeded)
    }
}
