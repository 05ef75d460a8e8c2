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
    private readonly ConcurrentQueue<FakeStsCall> _allCalls = new();
    private readonly ConcurrentQueue<Func<FakeStsCall, Exception?>> _rules = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _issued = new(StringComparer.Ordinal);
    private int _counter;
    private int _callerIdentityCalls;

    public FakeSts(FakeTimeProvider time)
    {
        Time = time;
        Clock = time;
    }

    public FakeTimeProvider Time { get; }

    /// <summary>STS's own clock (issue times, expiry checks): <see cref="Time"/> unless set, e.g. to a suspendable clock.</summary>
    public TimeProvider Clock { get; init; } = null!;

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

    /// <summary>Every call of every action in order, with the access key it was signed with (null when unsigned or direct).</summary>
    public IReadOnlyList<FakeStsCall> AllCalls => [.. _allCalls];

    /// <summary>
    /// When set, a call signed with a key this double issued fails with <c>ExpiredToken</c> once that key's session has
    /// expired on the server clock, as STS does.
    /// </summary>
    public bool RejectExpiredSources { get; set; }

    /// <summary>Gets or sets the request id every answer carries instead of <c>req-N</c> (a hostile endpoint's).</summary>
    public string? AnswerRequestId { get; set; }

    /// <summary>Gets or sets the session ARN every AssumeRole answer carries instead of the one the request implies.</summary>
    public string? AnswerAssumedRoleArn { get; set; }

    /// <summary>The next call (of any action) for which <paramref name="rule"/> returns an exception fails with it; the rule is then used up.</summary>
    public void FailNextWhere(Func<FakeStsCall, Exception?> rule) => _rules.Enqueue(rule);

    /// <summary>A view of this STS as seen by a client signing with <paramref name="source"/>: it resolves the source's credentials first, as the SDK does.</summary>
    public IStsGateway ViewFor(AWSCredentials source) => new View(this, source);

    public static StsCallException ExpiredToken() =>
        new("ExpiredToken", "The security token included in the request is expired", HttpStatusCode.Forbidden, Guid.NewGuid().ToString(), isTransient: false);

    public static StsCallException MaxSessionDurationExceeded() =>
        new("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", HttpStatusCode.BadRequest, Guid.NewGuid().ToString(), isTransient: false);

    public Task<StsCredentials> AssumeRoleAsync(AssumeRoleRequest request, CancellationToken cancellationToken) =>
        AssumeRoleAsync(request, null, cancellationToken);

    public Task<StsCredentials> AssumeRoleWithWebIdentityAsync(AssumeRoleWithWebIdentityRequest request, CancellationToken cancellationToken) =>
        AssumeRoleWithWebIdentityAsync(request, null, cancellationToken);

    public Task<StsCredentials> GetSessionTokenAsync(GetSessionTokenRequest request, CancellationToken cancellationToken) =>
        GetSessionTokenAsync(request, null, cancellationToken);

    private async Task<StsCredentials> AssumeRoleAsync(AssumeRoleRequest request, string? sourceKey, CancellationToken cancellationToken)
    {
        _calls.Enqueue(request);
        var call = Record("AssumeRole", sourceKey, request);
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

        ThrowIfRuledOrExpired(call);
        return Issue(request.DurationSeconds, AssumedRoleArnOf(request.RoleArn, request.RoleSessionName));
    }

    private async Task<StsCredentials> AssumeRoleWithWebIdentityAsync(AssumeRoleWithWebIdentityRequest request, string? sourceKey, CancellationToken cancellationToken)
    {
        var call = Record("AssumeRoleWithWebIdentity", sourceKey, request);
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        ThrowIfRuledOrExpired(call);
        return Issue(request.DurationSeconds, AssumedRoleArnOf(request.RoleArn, request.RoleSessionName));
    }

    private async Task<StsCredentials> GetSessionTokenAsync(GetSessionTokenRequest request, string? sourceKey, CancellationToken cancellationToken)
    {
        var call = Record("GetSessionToken", sourceKey, request);
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        ThrowIfRuledOrExpired(call);

        // STS's default GetSessionToken lifetime is 12 hours.
        return Issue(request.DurationSeconds ?? 43200, null);
    }

    private FakeStsCall Record(string action, string? sourceKey, AmazonWebServiceRequest request)
    {
        var call = new FakeStsCall(action, sourceKey, request, Clock.GetUtcNow());
        _allCalls.Enqueue(call);
        return call;
    }

    private void ThrowIfRuledOrExpired(FakeStsCall call)
    {
        var pending = _rules.Count;
        for (var i = 0; i < pending && _rules.TryDequeue(out var rule); i++)
        {
            if (rule(call) is { } ruled)
            {
                // Keep the order of the remaining rules.
                for (var j = i + 1; j < pending && _rules.TryDequeue(out var rest); j++)
                {
                    _rules.Enqueue(rest);
                }

                throw ruled;
            }

            _rules.Enqueue(rule);
        }

        if (RejectExpiredSources && call.SourceAccessKey is { } key && _issued.TryGetValue(key, out var expires)
            && Clock.GetUtcNow() + ServerClockOffset >= expires)
        {
            throw ExpiredToken();
        }
    }

    /// <summary>The session ARN STS reports: the role's partition, account and name (not its path), then the session name.</summary>
    public static string AssumedRoleArnOf(string roleArn, string sessionName)
    {
        var parts = roleArn.Split(':', 6);
        var roleName = roleArn[(roleArn.LastIndexOf('/') + 1)..];
        return parts.Length == 6 ? $"arn:{parts[1]}:sts::{parts[4]}:assumed-role/{roleName}/{sessionName}" : $"arn:aws:sts::123456789012:assumed-role/{roleName}/{sessionName}";
    }

    private StsCredentials Issue(int? durationSeconds, string? assumedRoleArn)
    {
        var n = Interlocked.Increment(ref _counter);
        var serverNow = Clock.GetUtcNow() + ServerClockOffset;
        var lifetime = durationSeconds is { } d && Lifetime == TimeSpan.FromHours(1) ? TimeSpan.FromSeconds(d) : Lifetime;
        var accessKey = $"ASIAFAKE{n:D12}";
        _issued[accessKey] = serverNow + lifetime;
        return new StsCredentials(
            new ImmutableCredentials(accessKey, $"secret-{n}-{Guid.NewGuid():N}", $"token-{n}-{Guid.NewGuid():N}"),
            (serverNow + lifetime).UtcDateTime,
            serverNow,
            assumedRoleArn is null ? null : AnswerAssumedRoleArn ?? assumedRoleArn,
            AnswerRequestId ?? $"req-{n}");
    }

    /// <summary>The double seen through one source's credentials; never owns the double.</summary>
    private sealed class View(FakeSts sts, AWSCredentials source) : IStsGateway
    {
        public async Task<StsCredentials> AssumeRoleAsync(AssumeRoleRequest request, CancellationToken cancellationToken) =>
            await sts.AssumeRoleAsync(request, await SignAsync(), cancellationToken);

        public async Task<StsCredentials> AssumeRoleWithWebIdentityAsync(AssumeRoleWithWebIdentityRequest request, CancellationToken cancellationToken) =>
            await sts.AssumeRoleWithWebIdentityAsync(request, await SignAsync(), cancellationToken);

        public async Task<StsCredentials> GetSessionTokenAsync(GetSessionTokenRequest request, CancellationToken cancellationToken) =>
            await sts.GetSessionTokenAsync(request, await SignAsync(), cancellationToken);

        public async Task<string> GetCallerArnAsync(CancellationToken cancellationToken) =>
            (await GetCallerIdentityAsync(cancellationToken)).Arn;

        public async Task<CallerIdentity> GetCallerIdentityAsync(CancellationToken cancellationToken)
        {
            // GetCallerIdentity is signed too: the SDK resolves the source first (a session source gets fetched).
            await SignAsync();
            return await sts.GetCallerIdentityAsync(cancellationToken);
        }

        public void Dispose() => sts.Disposed.Add(this);

        private async Task<string?> SignAsync() =>
            source is AnonymousAWSCredentials ? null : (await source.GetCredentialsAsync()).AccessKey;
    }

    /// <summary>The ARN GetCallerIdentity reports for the gateway's source.</summary>
    public string CallerArn { get; set; } = "arn:aws:sts::123456789012:assumed-role/Source/i-0123456789";

    public int CallerIdentityCalls => Volatile.Read(ref _callerIdentityCalls);

    public async Task<string> GetCallerArnAsync(CancellationToken cancellationToken) =>
        (await GetCallerIdentityAsync(cancellationToken)).Arn;

    /// <summary>GetCallerIdentity, answered with the server clock's Date (whole seconds, as the HTTP header has).</summary>
    public Task<CallerIdentity> GetCallerIdentityAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _callerIdentityCalls);
        if (CallerIdentityFailure is { } failure)
        {
            return Task.FromException<CallerIdentity>(failure);
        }

        var serverNow = Time.GetUtcNow() + ServerClockOffset;
        return Task.FromResult(new CallerIdentity(CallerArn, serverNow.AddTicks(-(serverNow.Ticks % TimeSpan.TicksPerSecond))));
    }

    /// <summary>When set, GetCallerIdentity fails with it.</summary>
    public Exception? CallerIdentityFailure { get; set; }

    public void Dispose() => Disposed.Add(this);
}
