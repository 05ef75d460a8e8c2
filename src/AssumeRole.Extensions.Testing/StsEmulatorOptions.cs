namespace AssumeRole.Extensions.Testing;

/// <summary>
/// Options for <see cref="StsEmulator.StartAsync(StsEmulatorOptions?, CancellationToken)"/>.
/// </summary>
public class StsEmulatorOptions
{
    /// <summary>
    /// Gets or sets the emulator's clock. It stamps and expires issued credentials, drives the SigV4 clock-skew check,
    /// produces the HTTP <c>Date</c> header and awaits injected latency.
    /// </summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    /// <remarks>
    /// A <c>FakeTimeProvider</c> should start near the real time: clients such as the AWS SDK sign with the machine's
    /// clock, and a request more than <see cref="AllowedClockSkew"/> away from this clock is rejected.
    /// </remarks>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets the emulator's home region, reported by <see cref="StsEmulator.Region"/>.</summary>
    /// <value>The default value is <c>us-east-1</c>.</value>
    public string Region { get; set; } = StsDefaults.Region;

    /// <summary>
    /// Gets or sets a value indicating whether requests must be signed for <see cref="Region"/>. When <see langword="false"/>,
    /// any region in the SigV4 credential scope is accepted, as regional STS tokens are valid everywhere.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool RequireSigningRegion { get; set; }

    /// <summary>Gets or sets the default account for <see cref="StsEmulator.AddUser(string, string?)"/>.</summary>
    /// <value>The default value is <c>123456789012</c>.</value>
    public string AccountId { get; set; } = StsDefaults.AccountId;

    /// <summary>Gets or sets a fixed loopback port to listen on; <see langword="null"/> picks a free port.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public int? Port { get; set; }

    /// <summary>Gets or sets how far a request's <c>X-Amz-Date</c> may be from the emulator clock.</summary>
    /// <value>The default value is 15 minutes, as in AWS.</value>
    public TimeSpan AllowedClockSkew { get; set; } = StsDefaults.AllowedClockSkew;

    /// <summary>
    /// Gets or sets the seed for the random source used by probabilistic faults, so that a failing run can be replayed.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (a random seed).</value>
    public int? RandomSeed { get; set; }
}
