namespace AssumeRole.Extensions;

/// <summary>
/// Makes the first hop of a chain an <c>sts:GetSessionToken</c> call, usually with MFA: one MFA prompt yields a session
/// that then serves every role assumed above it until it expires (the break-glass pattern), instead of a prompt per
/// role and per refresh.
/// </summary>
/// <remarks>
/// The source credentials must be an IAM user's long-term keys (STS refuses GetSessionToken from role sessions). Roles
/// assumed above the session are chained, so STS caps them at 3600 seconds; they refresh from the session without a new
/// MFA code, and a new code is asked for only when the session itself is refreshed.
/// </remarks>
public class SessionTokenOptions
{
    /// <summary>Gets or sets the session duration in seconds (900–129600).</summary>
    /// <value>The default value is <see langword="null"/>, which lets STS apply its default of 43200 seconds (12 hours).</value>
    public int? DurationSeconds { get; set; }

    /// <summary>
    /// Gets or sets the serial number or ARN of the IAM user's MFA device (9–256 characters from <c>[\w+=/:,.@-]</c>).
    /// When set, <see cref="TokenCodeProvider"/> must be set too.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (a session without MFA context).</value>
    public string? MfaSerialNumber { get; set; }

    /// <summary>
    /// Gets or sets the callback that returns a fresh six-digit MFA code. It is called once per GetSessionToken call,
    /// that is once per session lifetime.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Func<CancellationToken, ValueTask<string>>? TokenCodeProvider { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"SessionTokenOptions {{ DurationSeconds = {DurationSeconds}, MfaSerialNumber = {MfaSerialNumber} }}";
}
