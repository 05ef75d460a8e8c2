using System.Collections.Concurrent;
using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Sts;
using AssumeRole.Extensions.Tests.Fakes;
using Amazon.SecurityToken.Model;
using Microsoft.Extensions.Logging.Abstractions;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Sync <c>GetCredentials()</c> callers on thread-pool threads waited for a refresh that itself needed thread-pool
/// threads (it ran with <c>Task.Run</c> and asynchronous STS calls): on a starved pool it ran only after the pool had
/// grown past every blocked caller. 64 callers with 500 ms of STS latency and <c>SetMinThreads(2, 2)</c> waited up to
/// 14 s (the SDK's provider: 0.55 s). The timing is measured in the benchmarks (<c>starved-sync</c>); these tests pin
/// the mechanism: a refresh that callers wait for makes its STS call with blocking I/O and off the pool — on the
/// waiting sync caller's own thread, or on a thread of its own when an async caller started it.
/// </summary>
public sealed class IssuesTestsSyncCallersStarvePool
{
    private readonly TestEngine _engine = new();
    private readonly ConcurrentQueue<CallSite> _calls = new();
    private readonly AssumeRoleContext _context;

    public IssuesTestsSyncCallersStarvePool() =>
        _context = new AssumeRoleContext(_engine.Time, NullLoggerFactory.Instance, _engine.Cache, (_, _, _) => (new RecordingGateway(_engine.Sts, _calls), false), _engine.Caps, () => 0);

    [Fact]
    public async Task GetCredentials_SyncCallerOnAColdProvider_CallsStsOnItsOwnThreadWithBlockingIo()
    {
        using var provider = Create();

        var caller = await Task.Run(
            () =>
            {
                provider.GetCredentials();
                return Environment.CurrentManagedThreadId;
            },
            TestContext.Current.CancellationToken);

        var call = Assert.Single(_calls);
        Assert.Equal(caller, call.ThreadId);
        Assert.Equal(AssumeRoleDefaults.StsRequestTimeout, call.BlockingTimeout);
    }

    [Fact]
    public async Task GetCredentialsAsync_AsyncCallerOnAColdProvider_CallsStsOffThePoolWithBlockingIo()
    {
        using var provider = Create(o => o.StsRequestTimeout = TimeSpan.FromSeconds(3));

        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        var call = Assert.Single(_calls);
        Assert.False(call.OnPool);
        Assert.Equal(TimeSpan.FromSeconds(3), call.BlockingTimeout);
    }

    [Fact]
    public async Task BackgroundRefresh_NobodyWaits_RunsOnThePoolWithAsynchronousIo()
    {
        using var provider = Create();
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        await _engine.AdvanceAllAsync(TimeSpan.FromMinutes(46));

        Assert.Equal(2, _calls.Count);
        var background = _calls.Last();
        Assert.True(background.OnPool);
        Assert.Null(background.BlockingTimeout);
    }

    private AssumeRoleCredentials Create(Action<AssumeRoleOptions>? configure = null)
    {
        var options = new AssumeRoleOptions { RoleArn = TestEngine.RoleArn, RoleSessionName = "test-session", SourceCredentials = TestEngine.Source(), MaxStsRetries = 0 };
        configure?.Invoke(options);
        return new AssumeRoleCredentials(options, _context);
    }

    private sealed record CallSite(int ThreadId, bool OnPool, TimeSpan? BlockingTimeout);

    /// <summary>Notes where each AssumeRole call runs and whether it may block (as the SDK gateway decides).</summary>
    private sealed class RecordingGateway(FakeSts inner, ConcurrentQueue<CallSite> calls) : IStsGateway
    {
        public Task<StsCredentials> AssumeRoleAsync(AssumeRoleRequest request, CancellationToken cancellationToken)
        {
            calls.Enqueue(new CallSite(Environment.CurrentManagedThreadId, Thread.CurrentThread.IsThreadPoolThread, SynchronousFetch.RequestTimeout));
            return inner.AssumeRoleAsync(request, cancellationToken);
        }

        public Task<StsCredentials> AssumeRoleWithWebIdentityAsync(AssumeRoleWithWebIdentityRequest request, CancellationToken cancellationToken) =>
            inner.AssumeRoleWithWebIdentityAsync(request, cancellationToken);

        public Task<StsCredentials> GetSessionTokenAsync(GetSessionTokenRequest request, CancellationToken cancellationToken) =>
            inner.GetSessionTokenAsync(request, cancellationToken);

        public Task<string> GetCallerArnAsync(CancellationToken cancellationToken) => inner.GetCallerArnAsync(cancellationToken);

        public void Dispose()
        {
        }
    }
}
