using Amazon.Runtime;

namespace AssumeRole.Extensions.Refresh;

/// <summary>
/// One set of credentials and its deadlines on the engine's monotonic clock. Immutable: a refresh publishes a new
/// instance with one atomic write, so readers never see a half-updated state.
/// </summary>
internal sealed class SessionState
{
    // The warm path's limit on the raw monotonic clock; ended (set to long.MinValue) when a suspend is detected.
    private long _warmUntilRawMs;

    /// <summary>A state for <paramref name="credentials"/> with its deadlines in engine milliseconds.</summary>
    /// <param name="credentials">The credentials STS issued.</param>
    /// <param name="refreshAtMs">When a background refresh is due.</param>
    /// <param name="mandatoryAtMs">From when the credentials are no longer handed out.</param>
    /// <param name="expiresAtMs">When STS said they expire.</param>
    /// <param name="expirationUtc">The expiry STS reported.</param>
    /// <param name="assumedRoleArn">The assumed-role ARN STS reported, if any.</param>
    /// <param name="offsetMs">The engine clock's suspend offset when the deadlines were computed (see <see cref="WarmUntilRawMs"/>).</param>
    public SessionState(ImmutableCredentials credentials, long refreshAtMs, long mandatoryAtMs, long expiresAtMs, DateTime expirationUtc, string? assumedRoleArn, long offsetMs = 0)
    {
        _warmUntilRawMs = refreshAtMs - offsetMs;
        BuiltAtOffsetMs = offsetMs;
        Credentials = credentials;
        CredentialsTask = Task.FromResult(credentials);
        RefreshAtMs = refreshAtMs;
        MandatoryAtMs = mandatoryAtMs;
        ExpiresAtMs = expiresAtMs;
        ExpirationUtc = expirationUtc;
        AssumedRoleArn = assumedRoleArn;
    }

    public ImmutableCredentials Credentials { get; }

    /// <summary>The completed task handed out by the async warm path, so that it allocates nothing.</summary>
    public Task<ImmutableCredentials> CredentialsTask { get; }

    /// <summary>From here a background refresh is due (advisory window, moved earlier by jitter). Engine time.</summary>
    public long RefreshAtMs { get; }

    /// <summary>
    /// The warm path hands these credentials out without a lock while the raw monotonic clock (no suspend offset) is
    /// below this: <see cref="RefreshAtMs"/> laid on the raw clock with the offset known when it was computed. A suspend
    /// detected later would move that limit; instead it ends it (<see cref="EndWarmPath"/>), and callers take the slow
    /// path, which reads the engine time with the offset. So the warm path reads one field, as before.
    /// </summary>
    public long WarmUntilRawMs => Volatile.Read(ref _warmUntilRawMs);

    /// <summary>
    /// The suspend offset the deadlines and the warm-path limit were computed with: a wall step undone later moves the
    /// refresh point back only for states built before it (<see cref="Postponed"/>).
    /// </summary>
    public long BuiltAtOffsetMs { get; }

    /// <summary>From here these credentials are no longer handed out (mandatory window).</summary>
    public long MandatoryAtMs { get; }

    public long ExpiresAtMs { get; }

    /// <summary>The expiry as a local UTC time, for display and <see cref="AWSCredentials"/>' <c>Expiration</c>.</summary>
    public DateTime ExpirationUtc { get; }

    public string? AssumedRoleArn { get; }

    /// <summary>Sends every later caller of these credentials to the slow path (a suspend was detected).</summary>
    public void EndWarmPath() => Volatile.Write(ref _warmUntilRawMs, long.MinValue);

    /// <summary>
    /// These credentials with the refresh point <paramref name="byMs"/> later (never past the mandatory point): a wall step
    /// counted as missed time was undone, and the proactive refresh it brought forward is moved back. The mandatory point
    /// and the expiry stay where they are: a "step there and back" can be a real pause followed by an unrelated correction
    /// of its size, and then the time was really missed, so nothing that guards expiry is ever given back.
    /// </summary>
    /// <param name="byMs">The time the undone step took.</param>
    /// <param name="offsetNowMs">The engine's suspend offset now, for the warm-path limit on the raw clock.</param>
    public SessionState Postponed(long byMs, long offsetNowMs) =>
        new(Credentials, Math.Min(RefreshAtMs + byMs, MandatoryAtMs), MandatoryAtMs, ExpiresAtMs, ExpirationUtc, AssumedRoleArn, offsetNowMs);

    public override string ToString() => $"SessionState {{ AccessKeyId = {Credentials.AccessKey}, ExpirationUtc = {ExpirationUtc:O} }}";
}
