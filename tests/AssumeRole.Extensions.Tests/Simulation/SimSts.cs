using System.Globalization;
using System.Net;
using Amazon.Runtime;
using Amazon.SecurityToken.Model;
using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Sts;
using Polly.Timeout;

namespace AssumeRole.Extensions.Tests.Simulation;

/// <summary>The fault a role's STS calls suffer while it is set.</summary>
internal enum SimFaultKind
{
    Throttling,
    ServerError,
    Timeout,
    ConnectionReset,
    MalformedBody,
    Latency,
    AccessDenied,
}

/// <summary>A fault on one role until <see cref="Until"/> (true time), hitting a call with <see cref="Probability"/>.</summary>
internal sealed record SimFault(SimFaultKind Kind, double Probability, DateTimeOffset Until, TimeSpan Delay);

/// <summary>What STS issued: whom for, signed by which key, until when (true time, which is STS's clock).</summary>
internal sealed record SimIssued(string AccessKey, string RoleArn, string SessionName, string? ExternalId, string? SigningKey, DateTimeOffset Issued, DateTimeOffset Expires);

/// <summary>
/// An in-memory STS for the simulation, with every fault kind: throttling, 5xx, timeouts (no answer until the client
/// gives up), connection resets, malformed bodies, latency spikes, permanent refusals that appear and clear, a role's
/// MaxSessionDuration, MFA, and source credentials that expire while a call is in flight (<c>ExpiredToken</c>). Calls
/// are signed with the source's credentials, resolved as the SDK does; a blocking call (a refresh that callers wait for,
/// see <see cref="SynchronousFetch"/>) answers at once, as the SDK's synchronous client does when its timeout expires.
/// </summary>
internal sealed class SimSts(SimClock clock, Random random, Action<string> trace)
{
    private readonly Dictionary<string, SimIssued> _issued = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SimFault> _faults = new(StringComparer.Ordinal);
    private int _counter;

    /// <summary>Roles whose MaxSessionDuration is one hour (a longer request is refused).</summary>
    public HashSet<string> OneHourRoles { get; } = new(StringComparer.Ordinal);

    /// <summary>Roles whose trust policy requires MFA.</summary>
    public HashSet<string> MfaRoles { get; } = new(StringComparer.Ordinal);

    /// <summary>Sessions whose refresh makes no asynchronous step (see <see cref="View"/>): their roles.</summary>
    public HashSet<string> SyncSafeRoles { get; } = new(StringComparer.Ordinal);

    /// <summary>Called with the access key whose session STS just refused as expired (the engine will force its refresh).</summary>
    public Action<string>? OnExpiredSource { get; set; }

    /// <summary>The request timeout the engine is configured with in the simulation (Polly's maximum; see the Timeout fault).</summary>
    public static readonly TimeSpan ClientTimeoutBound = TimeSpan.FromDays(1);

    public long Calls { get; private set; }

    public SimIssued? Lookup(string accessKey) => _issued.GetValueOrDefault(accessKey);

    /// <summary>Forgets sessions that expired before <paramref name="before"/> (long runs would otherwise keep millions).</summary>
    public void Prune(DateTimeOffset before)
    {
        foreach (var key in _issued.Where(e => e.Value.Expires < before).Select(e => e.Key).ToList())
        {
            _issued.Remove(key);
        }
    }

    public void SetFault(string roleArn, SimFault fault) => _faults[roleArn] = fault;

    public void ClearFault(string roleArn) => _faults.Remove(roleArn);

    public IStsGateway ViewFor(AWSCredentials source) => new View(this, source);

    private async Task<StsCredentials> AssumeRoleAsync(AssumeRoleRequest request, string? signingKey, CancellationToken cancellationToken)
    {
        Calls++;
        var blocking = SynchronousFetch.RequestTimeout is not null;
        var label = string.Create(CultureInfo.InvariantCulture, $"sts#{Calls} {Short(request.RoleArn)} dur={request.DurationSeconds} by={signingKey}{(blocking ? " blocking" : string.Empty)}");
        if (_faults.TryGetValue(request.RoleArn, out var fault) && clock.TrueNow >= fault.Until)
        {
            _faults.Remove(request.RoleArn);
            fault = null;
        }

        var hit = fault is not null && random.NextDouble() < fault.Probability;
        if (hit)
        {
            switch (fault!.Kind)
            {
                case SimFaultKind.Throttling:
                    throw Fail(label, new StsCallException("Throttling", "Rate exceeded", HttpStatusCode.BadRequest, RequestId(), isTransient: true));
                case SimFaultKind.ServerError:
                    throw Fail(label, new StsCallException("InternalFailure", "Internal failure", HttpStatusCode.InternalServerError, RequestId(), isTransient: true));
                case SimFaultKind.ConnectionReset:
                    throw Fail(label, new StsCallException("ConnectionError", "STS could not be reached: connection reset by peer", null, null, isTransient: true));
                case SimFaultKind.MalformedBody:
                    throw Fail(label, new StsCallException("MalformedResponse", "STS sent a response that could not be parsed.", null, null, isTransient: true));
                case SimFaultKind.AccessDenied:
                    throw Fail(label, new StsCallException("AccessDenied", $"Not authorized to perform sts:AssumeRole on {request.RoleArn}", HttpStatusCode.Forbidden, RequestId(), isTransient: false));
                case SimFaultKind.Timeout when blocking:
                    // The synchronous client's HTTP timeout expired.
                    throw Fail(label, new StsCallException("RequestTimeout", "The STS request timed out.", null, null, isTransient: true));
                case SimFaultKind.Timeout:
                    // No answer: the client gives up after its request timeout. Polly's timeout (8.4.2) cancels on
                    // real-time timers for any TimeProvider but the system one, so on the simulation's clock it would
                    // never fire (or fire at a real-time moment, breaking replay): STS plays the client's timeout here.
                    trace(label + " -> no answer");
                    await Wait(AssumeRoleDefaults.StsRequestTimeout, label, cancellationToken).ConfigureAwait(false);
                    throw Fail(label, new TimeoutRejectedException("The operation didn't complete within the allowed timeout.", AssumeRoleDefaults.StsRequestTimeout));
                case SimFaultKind.Latency when !blocking:
                    trace(label + string.Create(CultureInfo.InvariantCulture, $" -> slow {fault.Delay.TotalSeconds:0}s"));
                    if (fault.Delay >= AssumeRoleDefaults.StsRequestTimeout)
                    {
                        await Wait(AssumeRoleDefaults.StsRequestTimeout, label, cancellationToken).ConfigureAwait(false);
                        throw Fail(label, new TimeoutRejectedException("The operation didn't complete within the allowed timeout.", AssumeRoleDefaults.StsRequestTimeout));
                    }

                    await Wait(fault.Delay, label, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }

        // Checked when the call completes: a source that expired while it was in flight is refused.
        if (signingKey is not null && _issued.TryGetValue(signingKey, out var source) && clock.TrueNow >= source.Expires)
        {
            OnExpiredSource?.Invoke(signingKey);
            throw Fail(label, new StsCallException("ExpiredToken", "The security token included in the request is expired", HttpStatusCode.Forbidden, RequestId(), isTransient: false));
        }

        if (MfaRoles.Contains(request.RoleArn) && (request.SerialNumber is null || request.TokenCode is not { Length: 6 }))
        {
            throw Fail(label, new StsCallException("AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.", HttpStatusCode.Forbidden, RequestId(), isTransient: false));
        }

        var duration = request.DurationSeconds ?? 3600;
        if (duration > 3600 && OneHourRoles.Contains(request.RoleArn))
        {
            throw Fail(label, new StsCallException("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", HttpStatusCode.BadRequest, RequestId(), isTransient: false));
        }

        if (duration > 3600 && signingKey is not null && _issued.ContainsKey(signingKey))
        {
            throw Fail(label, new StsCallException("ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.", HttpStatusCode.BadRequest, RequestId(), isTransient: false));
        }

        var n = ++_counter;
        var key = string.Create(CultureInfo.InvariantCulture, $"ASIASIM{n:D12}");
        var now = clock.TrueNow;
        var expires = now + TimeSpan.FromSeconds(duration);
        _issued[key] = new SimIssued(key, request.RoleArn, request.RoleSessionName, request.ExternalId, signingKey, now, expires);
        trace(label + " -> " + key);
        var roleName = request.RoleArn[(request.RoleArn.LastIndexOf('/') + 1)..];
        return new StsCredentials(
            new ImmutableCredentials(key, "secret-" + key, "token-" + key),
            expires.UtcDateTime,
            now,
            $"arn:aws:sts::123456789012:assumed-role/{roleName}/{request.RoleSessionName}",
            "req-" + key);
    }

    private static string RequestId() => "req-fault";

    private async Task Wait(TimeSpan delay, string label, CancellationToken cancellationToken)
    {
        // Not Task.Delay(delay, clock, token): when its token is cancelled (the engine disposing a session cancels the
        // fetch) it continues on the thread pool, in real time, so the refresh would end off the driving thread, after
        // the step that cancelled it. A source of our own continues inline, on the thread that cancels or advances.
        var done = new TaskCompletionSource();
        using var timer = clock.CreateTimer(static s => ((TaskCompletionSource)s!).TrySetResult(), done, delay, Timeout.InfiniteTimeSpan);
        using var registration = cancellationToken.Register(static s => ((TaskCompletionSource)s!).TrySetCanceled(), done);
        try
        {
            await done.Task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            trace(label + " -> abandoned by the client");
            throw;
        }
    }

    private void Trace(string line) => trace(line);

    private static string Short(string roleArn) => roleArn[(roleArn.IndexOf(":role/", StringComparison.Ordinal) + 6)..];

    private TException Fail<TException>(string label, TException error)
        where TException : Exception
    {
        trace(label + " -> " + ((error as StsCallException)?.ErrorCode ?? "client timeout"));
        return error;
    }

    /// <summary>STS as seen by a client signing with one source, which it resolves first (as the SDK does).</summary>
    private sealed class View(SimSts sts, AWSCredentials source) : IStsGateway
    {
        public async Task<StsCredentials> AssumeRoleAsync(AssumeRoleRequest request, CancellationToken cancellationToken)
        {
            sts.Trace($"view {request.RoleArn[(request.RoleArn.LastIndexOf('/') + 1)..]} signing with {source.GetType().Name}");
            var key = await SignAsync().ConfigureAwait(false);
            sts.Trace($"view {request.RoleArn[(request.RoleArn.LastIndexOf('/') + 1)..]} signed with {key}");
            return await sts.AssumeRoleAsync(request, key, cancellationToken).ConfigureAwait(false);
        }

        public Task<StsCredentials> AssumeRoleWithWebIdentityAsync(AssumeRoleWithWebIdentityRequest request, CancellationToken cancellationToken) =>
            throw new NotSupportedException("The simulation assumes roles only.");

        public Task<StsCredentials> GetSessionTokenAsync(GetSessionTokenRequest request, CancellationToken cancellationToken) =>
            throw new NotSupportedException("The simulation assumes roles only.");

        public Task<string> GetCallerArnAsync(CancellationToken cancellationToken) =>
            throw new NotSupportedException("The simulation has no second-level caches.");

        public void Dispose()
        {
        }

        /// <summary>
        /// The SDK's synchronous client resolves its source synchronously: so does this one, within a blocking refresh,
        /// for a source session whose own refresh never waits for anything (in the simulation one thread drives
        /// everything, and a blocked wait on a refresh that waits for the clock would never end). Otherwise, as the
        /// asynchronous client, asynchronously.
        /// </summary>
        private async Task<string?> SignAsync()
        {
            var credentials = SynchronousFetch.RequestTimeout is not null && source is SessionCredentials { Session: var s } && sts.SyncSafeRoles.Contains(s.RoleArn)
                ? source.GetCredentials()
                : await source.GetCredentialsAsync().ConfigureAwait(false);
            return credentials.AccessKey;
        }
    }
}
