using System.Reflection;
using AssumeRole.Extensions.Refresh;
using Amazon.Runtime;

namespace AssumeRole.Extensions.Tests.Fakes;

/// <summary>
/// Holds a session's race windows open for the race regression tests: the session's private lock (taken by
/// reflection, so that callers and timers can be made to wait at it), a publication the way a finishing refresh makes
/// it, and threads whose end is awaited with a timer-bounded wait (never <c>Thread.Join(timeout)</c>, which returns at
/// once under libfaketime, CI's shifted-clock run).
/// </summary>
internal static class SessionLock
{
    private static readonly FieldInfo GateField = typeof(RefreshingSession).GetField("_gate", BindingFlags.Instance | BindingFlags.NonPublic)!;
    private static readonly FieldInfo DueMsField = typeof(RefreshingSession).GetField("_dueMs", BindingFlags.Instance | BindingFlags.NonPublic)!;
    private static readonly MethodInfo PublishMethod = typeof(RefreshingSession).GetMethod("PublishLocked", BindingFlags.Instance | BindingFlags.NonPublic)!;

    /// <summary>The session's lock object.</summary>
    public static object GateOf(RefreshingSession session) => GateField.GetValue(session)!;

    /// <summary>When the session's proactive refresh is armed (<see cref="RefreshScheduler.NotScheduled"/> when disarmed).</summary>
    public static long DueMsOf(RefreshingSession session) => (long)DueMsField.GetValue(session)!;

    /// <summary>
    /// Publishes <paramref name="credentials"/> with a fresh 1-hour lifetime (refresh point in 45 minutes), as a finishing
    /// refresh does (it also clears <c>_inflight</c> and the backoff, which the tests have clear already). The caller
    /// holds the session's lock.
    /// </summary>
    public static void PublishFresh(RefreshingSession session, ImmutableCredentials credentials, TimeProvider wallClock)
    {
        var now = session.Clock.NowMs;
        var state = new SessionState(
            credentials,
            refreshAtMs: now + (long)TimeSpan.FromMinutes(45).TotalMilliseconds,
            mandatoryAtMs: now + (long)TimeSpan.FromMinutes(50).TotalMilliseconds,
            expiresAtMs: now + (long)TimeSpan.FromHours(1).TotalMilliseconds,
            wallClock.GetUtcNow().UtcDateTime.AddHours(1),
            assumedRoleArn: null,
            session.Clock.OffsetMs);
        PublishMethod.Invoke(session, [state]);
    }

    /// <summary>A thread (not started) and a task that ends with it, faulted with whatever it threw.</summary>
    public static (Thread Thread, Task Done) NewThread(Action body)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                body();
                done.SetResult();
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        });
        return (thread, done.Task);
    }

    /// <summary>
    /// A thread (not started) that calls <c>GetCredentialsAsync</c> once: its synchronous part (the unlocked check and the
    /// lock) runs on that thread. The task ends with the call's answer.
    /// </summary>
    public static (Thread Thread, Task<ImmutableCredentials> Answer) NewCaller(AssumeRoleCredentials provider)
    {
        var answered = new TaskCompletionSource<Task<ImmutableCredentials>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                answered.SetResult(provider.GetCredentialsAsync(TestContext.Current.CancellationToken));
            }
            catch (Exception ex)
            {
                answered.SetException(ex);
            }
        });
        return (thread, answered.Task.Unwrap());
    }

    /// <summary>Waits (spinning, bounded by 30 s of real time) until <paramref name="thread"/> is blocked and <paramref name="condition"/> holds.</summary>
    public static bool BlockedWhen(Thread thread, Func<bool> condition) =>
        SpinWait.SpinUntil(() => condition() && (thread.ThreadState & ThreadState.WaitSleepJoin) != 0, TimeSpan.FromSeconds(30));
}
