using AssumeRole.Extensions.Caching;
using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Sts;
using Microsoft.Extensions.Time.Testing;

namespace AssumeRole.Extensions.Tests.Caching;

/// <summary>
/// STS's clock as a process knows it (issue 11 item 5): the Date of the latest response per endpoint, carried forward
/// on the monotonic clock, so a cached entry's time left does not depend on the local wall clock; one probe for
/// concurrent first readers of one signer, a failed probe not remembered, every probe bounded.
/// </summary>
public sealed class StsClockTests
{
    private static readonly StsEndpoint Endpoint = new("us-east-1", null);
    private static readonly StsEndpoint OtherEndpoint = new("eu-west-1", null);

    // The local wall clock is 10 minutes slow; STS's Date is the real now.
    private readonly FakeTimeProvider _time = new(TimeProvider.System.GetUtcNow().AddMinutes(-10));
    private readonly DateTimeOffset _stsDate = TruncateToSecond(TimeProvider.System.GetUtcNow());

    [Fact]
    public void TryGetNow_NoResponseSeen_IsUnknown()
    {
        var clock = new StsClock(new EngineClock(_time));

        Assert.False(clock.TryGetNow(Endpoint, out _));
    }

    [Fact]
    public void TryGetNow_AfterAResponse_CarriesItsDateForwardOnTheMonotonicClockNotTheWallClock()
    {
        var clock = new StsClock(new EngineClock(_time));
        clock.Observe(Endpoint, _stsDate);

        _time.Advance(TimeSpan.FromMinutes(7));

        Assert.True(clock.TryGetNow(Endpoint, out var now));

        // The Date header has whole seconds: STS's clock is up to one second past it, never behind.
        Assert.Equal(_stsDate + TimeSpan.FromMinutes(7) + StsClock.DateResolution, now);
    }

    [Fact]
    public void Observe_ResponseWithoutDate_LeavesTheClockUnknown()
    {
        var clock = new StsClock(new EngineClock(_time));

        clock.Observe(Endpoint, null);

        Assert.False(clock.TryGetNow(Endpoint, out _));
    }

    [Fact]
    public void Observe_OneEndpoint_SaysNothingOfAnother()
    {
        var clock = new StsClock(new EngineClock(_time));

        clock.Observe(Endpoint, _stsDate);

        Assert.False(clock.TryGetNow(OtherEndpoint, out _));
    }

    [Fact]
    public async Task GetNowAsync_ResponseAlreadySeen_DoesNotProbe()
    {
        var clock = new StsClock(new EngineClock(_time));
        clock.Observe(Endpoint, _stsDate);
        var probes = 0;

        var now = await clock.GetNowAsync(Endpoint, new object(), _ => { probes++; return Task.FromResult(Identity(_stsDate)); }, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(0, probes);
        Assert.Equal(_stsDate + StsClock.DateResolution, now);
    }

    [Fact]
    public async Task GetNowAsync_ConcurrentFirstReadersOfOneSigner_ShareOneProbe()
    {
        var clock = new StsClock(new EngineClock(_time));
        var signer = new object();
        var answer = new TaskCompletionSource<CallerIdentity>(TaskCreationOptions.RunContinuationsAsynchronously);
        var probes = 0;
        Task<CallerIdentity> Probe(CancellationToken _)
        {
            Interlocked.Increment(ref probes);
            return answer.Task;
        }

        var readers = Enumerable.Range(0, 8)
            .Select(_ => Task.Run(() => clock.GetNowAsync(Endpoint, signer, Probe, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken), TestContext.Current.CancellationToken))
            .ToArray();
        answer.SetResult(Identity(_stsDate));
        var results = await Task.WhenAll(readers);

        Assert.Equal(1, probes);
        Assert.All(results, r => Assert.Equal(_stsDate + StsClock.DateResolution, r));
    }

    [Fact]
    public async Task GetNowAsync_ReadersOfDifferentSigners_DoNotWaitForEachOther()
    {
        // A signer may be one of our own sessions that is itself waiting for STS's clock: waiting on its probe could
        // deadlock, so another signer asks for itself.
        var clock = new StsClock(new EngineClock(_time));
        var stuck = new TaskCompletionSource<CallerIdentity>(TaskCreationOptions.RunContinuationsAsynchronously);

        var first = clock.GetNowAsync(Endpoint, new object(), _ => stuck.Task, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        var second = await clock.GetNowAsync(Endpoint, new object(), _ => Task.FromResult(Identity(_stsDate)), TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(_stsDate + StsClock.DateResolution, second);
        Assert.False(first.IsCompleted);
        stuck.SetResult(Identity(_stsDate));
        await first;
    }

    [Fact]
    public async Task GetNowAsync_ProbeFails_NextReaderAsksAgain()
    {
        var clock = new StsClock(new EngineClock(_time));
        var signer = new object();
        var probes = 0;
        Task<CallerIdentity> Probe(CancellationToken _) =>
            Interlocked.Increment(ref probes) == 1
                ? Task.FromException<CallerIdentity>(new HttpRequestException("STS unreachable"))
                : Task.FromResult(Identity(_stsDate));

        await Assert.ThrowsAsync<HttpRequestException>(() => clock.GetNowAsync(Endpoint, signer, Probe, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        var now = await clock.GetNowAsync(Endpoint, signer, Probe, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(2, probes);
        Assert.Equal(_stsDate + StsClock.DateResolution, now);
    }

    [Fact]
    public async Task GetNowAsync_ProbeResponseWithoutDate_Throws()
    {
        var clock = new StsClock(new EngineClock(_time));

        await Assert.ThrowsAsync<InvalidOperationException>(() => clock.GetNowAsync(Endpoint, new object(), _ => Task.FromResult(Identity(null)), TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        Assert.False(clock.TryGetNow(Endpoint, out _));
    }

    [Fact]
    public async Task GetNowAsync_ProbeNeverAnswersAndIgnoresCancellation_IsBoundedByTheTimeout()
    {
        var clock = new StsClock(new EngineClock(_time));
        var never = new TaskCompletionSource<CallerIdentity>();

        // The timeout is real time (a CancellationTokenSource); only the outcome is asserted, not how long it took.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => clock.GetNowAsync(Endpoint, new object(), _ => never.Task, TimeSpan.FromMilliseconds(50), TestContext.Current.CancellationToken));
    }

    private static CallerIdentity Identity(DateTimeOffset? date) =>
        new("arn:aws:sts::123456789012:assumed-role/Ops/probe", date);

    private static DateTimeOffset TruncateToSecond(DateTimeOffset t) => t.AddTicks(-(t.Ticks % TimeSpan.TicksPerSecond));
}
