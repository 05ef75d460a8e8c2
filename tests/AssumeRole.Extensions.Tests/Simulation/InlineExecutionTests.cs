using Amazon.Runtime;
using AssumeRole.Extensions.Tests.Fakes;

namespace AssumeRole.Extensions.Tests.Simulation;

/// <summary>
/// The simulation's premise: under <c>RefreshScheduler.InlineExecution</c> every caller of a refresh completes on the
/// thread that drives the clock, at the simulated moment the refresh ends. It did not hold for a second caller joining a
/// refresh in flight: .NET runs only the first await continuation of a completing task inline and queues the others to
/// the thread pool, so the long run saw a joined caller "still waiting" 15 simulated minutes later (a pool thread that
/// had not run yet) and replays of one seed that differed (seed 72 of 250).
/// </summary>
public sealed class InlineExecutionTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetCredentialsAsync_CallersJoinOneRefreshParkedOnTheClock_AllCompleteOnTheDrivingThread(bool answers)
    {
        var engine = new TestEngine();
        engine.Cache.Scheduler.InlineExecution = true;
        var prompts = 0;
        using var provider = engine.Create(o =>
        {
            o.MfaSerialNumber = "arn:aws:iam::123456789012:mfa/sim";

            // The prompt parks the refresh on the fake clock: it answers after 30 s, or never (MfaTokenCodeTimeout, 1 min).
            o.TokenCodeProvider = async ct =>
            {
                prompts++;
                if (!answers)
                {
                    return await new TaskCompletionSource<string>().Task;
                }

                await Task.Delay(TimeSpan.FromSeconds(30), engine.Time, ct);
                return "123456";
            };
        });

        var (driving, callers, threads) = Drive(engine, provider);

        // Bounded by real time so that a caller queued to the pool (the bug) is seen and reported, not raced.
        var completedOn = await Task.WhenAll(threads).WaitAsync(Bound, TestContext.Current.CancellationToken);
        Assert.All(completedOn, thread => Assert.Equal(driving, thread));
        foreach (var caller in callers)
        {
            if (answers)
            {
                Assert.NotNull(await caller);
            }
            else
            {
                var error = await Assert.ThrowsAsync<AssumeRoleException>(() => caller);
                Assert.Equal("MfaTokenCodeTimeout", error.ErrorCode);
            }
        }

        Assert.Equal(1, prompts);
    }

    /// <summary>
    /// Three callers on this thread, then the clock advanced past the prompt, as the simulation drives them: no
    /// synchronization context (or no continuation would run inline), nothing awaited. Returns the thread each caller
    /// completed on.
    /// </summary>
    private static (int Driving, List<Task<ImmutableCredentials>> Callers, List<Task<int>> Threads) Drive(TestEngine engine, AssumeRoleCredentials provider)
    {
        var context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            var driving = Environment.CurrentManagedThreadId;
            var callers = Enumerable.Range(0, 3).Select(_ => provider.GetCredentialsAsync(CancellationToken.None)).ToList();
            var threads = callers.Select(c => c.ContinueWith(
                _ => Environment.CurrentManagedThreadId,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default)).ToList();
            Assert.All(callers, c => Assert.False(c.IsCompleted));

            engine.Time.Advance(TimeSpan.FromMinutes(1));
            return (driving, callers, threads);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }
    }
}
