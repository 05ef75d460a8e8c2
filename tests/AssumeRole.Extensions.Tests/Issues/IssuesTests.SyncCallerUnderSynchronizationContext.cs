using System.Collections.Concurrent;
using AssumeRole.Extensions.Tests.Fakes;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Review of issue 12: a cold or mandatory refresh runs on the waiting sync caller's thread (so it never needs the
/// thread pool), and with it every user callback of the refresh. Under a <see cref="SynchronizationContext"/> that only
/// queues (a UI thread blocked in <c>GetCredentials()</c> pumps nothing), a callback that awaited without
/// <c>ConfigureAwait(false)</c> posted its continuation to the blocked thread: the caller hung for ever (an MFA prompt
/// until its timeout, then on every attempt; a second-level cache read for ever). Before the inline refresh both
/// completed at once.
/// </summary>
public sealed class IssuesTestsSyncCallerUnderSynchronizationContext
{
    private readonly TestEngine _engine = new();

    [Fact]
    public void GetCredentials_MfaPromptAwaitsWithoutConfigureAwait_CompletesUnderAQueueOnlyContext()
    {
        using var provider = _engine.Create(o =>
        {
            o.MfaSerialNumber = "arn:aws:iam::123456789012:mfa/user";
            o.TokenCodeProvider = async _ =>
            {
                await Task.Yield(); // no ConfigureAwait(false): continues on the captured context
                return "123456";
            };
        });

        var context = new QueueOnlyContext();
        var outcome = RunOnThreadWithContext(context, () => provider.GetCredentials());

        Assert.True(outcome.Finished, $"GetCredentials() still blocked after 30 s of real time ({context.Posted} continuation(s) posted to the blocked thread)");
        Assert.Null(outcome.Error);
        Assert.Equal(1, _engine.Sts.CallCount);
    }

    private static (bool Finished, Exception? Error) RunOnThreadWithContext(SynchronizationContext context, Action action)
    {
        Exception? error = null;
        var thread = new Thread(() =>
        {
            SynchronizationContext.SetSynchronizationContext(context);
            try
            {
                action();
            }
            catch (Exception ex)
            {
                error = ex;
            }
        })
        { IsBackground = true };
        thread.Start();

        // Bounded by real time, polled (a timed Join returns at once under libfaketime's shifted clock in CI).
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (thread.IsAlive && watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(10);
        }

        return (!thread.IsAlive, error);
    }

    /// <summary>A UI-like context: posts are queued for a message loop that never runs while its thread blocks.</summary>
    private sealed class QueueOnlyContext : SynchronizationContext
    {
        private readonly ConcurrentQueue<(SendOrPostCallback, object?)> _queue = new();

        public int Posted => _queue.Count;

        public override void Post(SendOrPostCallback d, object? state) => _queue.Enqueue((d, state));
    }
}
