using System.Globalization;
using AssumeRole.Extensions.Testing.Faults;

namespace AssumeRole.Extensions.Testing;

/// <summary>
/// A fault to inject with <see cref="StsFaults.Add(StsFault)"/>: an error, added latency, a connection reset or a
/// malformed body, for the next <c>times</c> matching calls (or until removed), optionally only with a probability
/// and only for one action and/or role.
/// </summary>
/// <example><code>emulator.Faults.Add(StsFault.Throttling(times: 3, action: "AssumeRole"));</code></example>
public sealed class StsFault
{
    private StsFault(StsFaultKind kind, int? times, string? action, string? roleArn, double probability)
    {
        if (times is { } count)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count, nameof(times));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(probability);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(probability, 1.0);
        Kind = kind;
        Times = times;
        Action = action;
        RoleArn = roleArn;
        Probability = probability;
    }

    /// <summary>Gets how many matching calls the fault applies to; <see langword="null"/> means until removed.</summary>
    public int? Times { get; }

    /// <summary>Gets the action the fault is limited to (case-insensitive), or <see langword="null"/> for every action.</summary>
    public string? Action { get; }

    /// <summary>Gets the role ARN the fault is limited to, or <see langword="null"/> for every role.</summary>
    public string? RoleArn { get; }

    /// <summary>Gets the chance (0 to 1] that a matching call is hit; a call that escapes does not use up <see cref="Times"/>.</summary>
    public double Probability { get; }

    /// <summary>Gets the added latency of a latency fault.</summary>
    public TimeSpan Delay { get; private init; }

    /// <summary>Gets the HTTP status of an error fault.</summary>
    public int StatusCode { get; private init; }

    /// <summary>Gets the STS error code of an error fault.</summary>
    public string? ErrorCode { get; private init; }

    /// <summary>Gets the message of an error fault.</summary>
    public string? ErrorMessage { get; private init; }

    internal StsFaultKind Kind { get; }

    /// <summary>HTTP 400 <c>Throttling</c>, "Rate exceeded", as STS throttles.</summary>
    /// <param name="times">How many matching calls to fail; <see langword="null"/> until removed.</param>
    /// <param name="action">Only this action, e.g. <c>AssumeRole</c>.</param>
    /// <param name="roleArn">Only calls for this role.</param>
    /// <param name="probability">The chance that a matching call is hit.</param>
    /// <returns>The fault.</returns>
    public static StsFault Throttling(int? times = 1, string? action = null, string? roleArn = null, double probability = 1.0) =>
        Error(400, "Throttling", "Rate exceeded", times, action, roleArn, probability);

    /// <summary>HTTP 500 <c>InternalFailure</c> (error type <c>Receiver</c>).</summary>
    /// <param name="times">How many matching calls to fail; <see langword="null"/> until removed.</param>
    /// <param name="action">Only this action.</param>
    /// <param name="roleArn">Only calls for this role.</param>
    /// <param name="probability">The chance that a matching call is hit.</param>
    /// <returns>The fault.</returns>
    public static StsFault InternalFailure(int? times = 1, string? action = null, string? roleArn = null, double probability = 1.0) =>
        Error(500, "InternalFailure", "The request processing has failed because of an unknown error, exception or failure.", times, action, roleArn, probability);

    /// <summary>An outage: every matching call fails with 500 <c>InternalFailure</c> until the fault is removed or cleared.</summary>
    /// <param name="action">Only this action.</param>
    /// <param name="roleArn">Only calls for this role.</param>
    /// <returns>The fault.</returns>
    public static StsFault Outage(string? action = null, string? roleArn = null) => InternalFailure(times: null, action, roleArn);

    /// <summary>
    /// Any STS error, e.g. <c>Error(403, "RegionDisabledException", "STS is not activated in this region …")</c>.
    /// Statuses of 500 and above are sent with error type <c>Receiver</c>.
    /// </summary>
    /// <param name="statusCode">The HTTP status (400–599).</param>
    /// <param name="code">The STS error code.</param>
    /// <param name="message">The error message.</param>
    /// <param name="times">How many matching calls to fail; <see langword="null"/> until removed.</param>
    /// <param name="action">Only this action.</param>
    /// <param name="roleArn">Only calls for this role.</param>
    /// <param name="probability">The chance that a matching call is hit.</param>
    /// <returns>The fault.</returns>
    public static StsFault Error(int statusCode, string code, string message, int? times = 1, string? action = null, string? roleArn = null, double probability = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        ArgumentNullException.ThrowIfNull(message);
        return new StsFault(StsFaultKind.Error, times, action, roleArn, probability)
        {
            StatusCode = statusCode,
            ErrorCode = code,
            ErrorMessage = message,
        };
    }

    /// <summary>
    /// Delays matching calls by <paramref name="delay"/>, then handles them normally. The delay is awaited on the
    /// emulator's <see cref="StsEmulatorOptions.TimeProvider"/>: with a <c>FakeTimeProvider</c> the call only
    /// completes once the test advances the fake time past the delay.
    /// </summary>
    /// <param name="delay">The added latency.</param>
    /// <param name="times">How many matching calls to delay; <see langword="null"/> until removed.</param>
    /// <param name="action">Only this action.</param>
    /// <param name="roleArn">Only calls for this role.</param>
    /// <param name="probability">The chance that a matching call is hit.</param>
    /// <returns>The fault.</returns>
    public static StsFault Latency(TimeSpan delay, int? times = 1, string? action = null, string? roleArn = null, double probability = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return new StsFault(StsFaultKind.Latency, times, action, roleArn, probability) { Delay = delay };
    }

    /// <summary>
    /// Aborts the connection without a response, as a network failure would. Note that .NET's <c>SocketsHttpHandler</c>
    /// transparently resends a request once when a pooled connection fails before any response byte, so a .NET
    /// client may only notice from the second consecutive reset on.
    /// </summary>
    /// <param name="times">How many matching calls to abort; <see langword="null"/> until removed.</param>
    /// <param name="action">Only this action.</param>
    /// <param name="roleArn">Only calls for this role.</param>
    /// <param name="probability">The chance that a matching call is hit.</param>
    /// <returns>The fault.</returns>
    public static StsFault ConnectionReset(int? times = 1, string? action = null, string? roleArn = null, double probability = 1.0) =>
        new(StsFaultKind.ConnectionReset, times, action, roleArn, probability);

    /// <summary>Answers HTTP 200 with a truncated XML document that no client can parse.</summary>
    /// <param name="times">How many matching calls to answer so; <see langword="null"/> until removed.</param>
    /// <param name="action">Only this action.</param>
    /// <param name="roleArn">Only calls for this role.</param>
    /// <param name="probability">The chance that a matching call is hit.</param>
    /// <returns>The fault.</returns>
    public static StsFault MalformedBody(int? times = 1, string? action = null, string? roleArn = null, double probability = 1.0) =>
        new(StsFaultKind.MalformedBody, times, action, roleArn, probability);

    /// <summary>Describes the fault.</summary>
    /// <returns>A one-line description.</returns>
    public override string ToString()
    {
        var what = Kind switch
        {
            StsFaultKind.Error => $"{StatusCode} {ErrorCode}",
            StsFaultKind.Latency => $"latency {Delay}",
            _ => Kind.ToString(),
        };
        var times = Times?.ToString(CultureInfo.InvariantCulture) ?? "until removed";
        return $"{what} x{times} action={Action ?? "*"} role={RoleArn ?? "*"} p={Probability.ToString(CultureInfo.InvariantCulture)}";
    }

    internal bool Matches(string action, string? roleArn) =>
        (Action is null || string.Equals(Action, action, StringComparison.OrdinalIgnoreCase)) &&
        (RoleArn is null || string.Equals(RoleArn, roleArn, StringComparison.Ordinal));
}
