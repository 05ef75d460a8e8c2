using System.Collections.Concurrent;
using System.Net;
using AssumeRole.Extensions.Sts;
using Amazon.Runtime;
using Amazon.SecurityToken.Model;
using Microsoft.Extensions.Time.Testing;

namespace AssumeRole.Extensions.Tests.Fakes;

/// <summary>
/// In-memory STS double: issues credentials on the fake clock, records every call, and can be scripted to fail,
/// hang (until released) or answer with a chosen lifetime.
/// </summary>
internal sealed class FakeSts : IStsGateway
{
    private readonly ConcurrentQueue<AssumeRoleRequest> _calls = new();
    private readonly ConcurrentQueue<Func<AssumeRoleRequest, Exception?>> _scripted = new();
    private int _counter;

    public FakeSts(FakeTimeProvider time) => Time = time;

    public FakeTimeProvider Time { get; }

    /// <summary>Lifetime of issued sessions, on the server clock.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Server clock offset from the local fake clock (positive = server ahead).</summary>
    public TimeSpan ServerClockOffset { get; set; }

    /// <summary>When set, every call fails with what this returns (a permanent outage until reset).</summary>
    public Func<AssumeRoleRequest, Exception?>? Always { get; set; }

    /// <summary>When set, calls wait for this task before answering (simulated STS latency).</summary>
    public TaskCompletionSource? Gate { get; set; }

    public int CallCount => _calls.Count;

    /// <summary>
    /// Waits (spinning, bounded by real time as a safety net only) until background work has made
    /// <paramref name="count"/> calls; refreshes run on the thread pool, so a count can lag the clock by a moment.
    /// </summary>
    public bool WaitForCalls(int count) => SpinWait.SpinUntil(() => _calls.Count >= count, TimeSpan.FromSeconds(10));

    public IReadOnlyList<AssumeRoleRequest> Calls => [.. _calls];

    public List<IStsGateway> Disposed { get; } = [];

    /// <summary>The next call fails with <paramref name="error"/>.</summary>
    public void FailNext(Exception error) => _scripted.Enqueue(_ => error);

    public static StsCallException Throttling() =>
        new("Throttling", "Rate exceeded", HttpStatusCode.BadRequest, Guid.NewGuid().ToString(), isTransient: true);

    public static StsCallException AccessDenied(string roleArn) =>
        new("AccessDenied", $"User: arn:aws:iam::123456789012:user/ci is not authorized to perform: sts:AssumeRole on resource: {roleArn}", HttpStatusCode.Forbidden, Guid.NewGuid().ToString(), isTransient: false);

    public static StsCallException Internal() =>
        new("InternalFailure", "Internal failure", HttpStatusCode.InternalServerError, Guid.NewGuid().ToString(), isTransient: true);

    public async Task<StsCredentials> AssumeRoleAsync(AssumeRoleRequest request, CancellationToken cancellationToken)
    {
        _calls.Enqueue(request);
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        if (_scripted.TryDequeue(out var script) && script(request) is { } scripted)
        {
            throw scripted;
        }

        if (Always?.Invoke(request) is { } error)
        {
            throw error;
        }

        var n = Interlocked.Increment(ref _counter);
        var serverNow = Time.GetUtcNow() + ServerClockOffset;
        var lifetime = request.DurationSeconds is { } d && Lifetime == TimeSpan.FromHours(1) ? TimeSpan.FromSeconds(d) : Lifetime;
        var roleName = request.RoleArn[(request.RoleArn.LastIndexOf('/') + 1)..];
        return new StsCredentials(
            new ImmutableCredentials($"ASIAFAKE{n:D12}", $"secret-{n}-{Guid.NewGuid():N}", $"token-{n}-{Guid.NewGuid():N}"),
            (serverNow + lifetime).UtcDateTime,
            serverNow,
            $"arn:aws:sts::123456789012:assumed-role/{roleName}/{request.RoleSessionName}",
            $"req-{n}");
    }

    public Task<StsCredentials> AssumeRoleWithWebIdentityAsync(AssumeRoleWithWebIdentityRequest request, CancellationToken cancellationToken) =>
        throw new NotSupportedException("FakeSts does not model web identity.");

    public Task<StsCredentials> GetSessionTokenAsync(GetSessionTokenRequest request, CancellationToken cancellationToken) =>
        throw new NotSupportedException("FakeSts does not model GetSessionToken.");

    /// <summary>The ARN GetCallerIdentity reports for the gateway's source.</summary>
    public string CallerArn { get; set; } = "arn:aws:sts::123456789012:assumed-role/Source/i-0123456789";

    public int CallerIdentityCalls { get; private set; }

    public Task<string> GetCallerArnAsync(CancellationToken cancellationToken)
    {
        CallerIdentityCalls++;
        return Task.FromResult(CallerArn);
    }

    public void Dispose() => Disposed.Add(this);
}
