namespace AssumeRole.Extensions.Testing;

/// <summary>
/// Options for <see cref="StsEmulator.StartAsync(StsEmulatorOptions?, CancellationToken)"/>.
/// </summary>
public class StsEmulatorOptions
{
    /// <summary>
    /// Gets or sets the emulator's clock. It stamps and expires issued credentials, produces the HTTP <c>Date</c> header
    /// and awaits injected latency. A <c>FakeTimeProvider</c> may be advanced by hours or days: by default a request's
    /// signature time may be near the real clock or near this one (see <see cref="SigningClock"/>).
    /// </summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    /// <remarks>
    /// Start a <c>FakeTimeProvider</c> at the real time (<c>new FakeTimeProvider(TimeProvider.System.GetUtcNow())</c>):
    /// clients that measure a session's lifetime compare its expiry with their own clock.
    /// </remarks>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Gets or sets the clock that a request's <c>X-Amz-Date</c> must be within <see cref="AllowedClockSkew"/> of.
    /// Clients sign with the machine's real clock whatever clock a test fakes, until the AWS SDK sees a response: it
    /// then corrects its clock by the offset of the response's <c>Date</c> header (the emulator clock) at that moment, and
    /// a fake clock that moved on since leaves it somewhere between the two. So by default a request is accepted when
    /// its time lies between the real clock and <see cref="TimeProvider"/>, give or take <see cref="AllowedClockSkew"/>;
    /// set this (for example to a test's <c>FakeTimeProvider</c>) to check against one clock only, as clock-skew tests do.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: anywhere from the real clock to <see cref="TimeProvider"/>.</value>
    public TimeProvider? SigningClock { get; set; }

    /// <summary>Gets or sets the emulator's home region, reported by <see cref="StsEmulator.Region"/>.</summary>
    /// <value>The default value is <c>us-east-1</c>.</value>
    public string Region { get; set; } = StsDefaults.Region;

    /// <summary>
    /// Gets or sets a value indicating whether requests must be signed for <see cref="Region"/>, as STS requires: each
    /// endpoint verifies signatures scoped to its own region (the global endpoint to <c>us-east-1</c>) and answers
    /// <c>SignatureDoesNotMatch</c> "Credential should be scoped to a valid region" otherwise. That a regional
    /// endpoint's session tokens are valid in every region is about where the issued credentials can be used, not
    /// about how the request to STS is signed. Turn it off only for a client whose signing region cannot be set.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool RequireSigningRegion { get; set; } = true;

    /// <summary>Gets or sets the default account for <see cref="StsEmulator.AddUser(string, string?)"/>.</summary>
    /// <value>The default value is <c>123456789012</c>.</value>
    public string AccountId { get; set; } = StsDefaults.AccountId;

    /// <summary>Gets or sets a fixed loopback port to listen on; <see langword="null"/> picks a free port.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public int? Port { get; set; }

    /// <summary>Gets or sets how far a request's <c>X-Amz-Date</c> may be from <see cref="SigningClock"/>.</summary>
    /// <value>The default value is 15 minutes, as in AWS.</value>
    public TimeSpan AllowedClockSkew { get; set; } = StsDefaults.AllowedClockSkew;

    /// <summary>
    /// Gets or sets the seed for the random source used by probabilistic faults, so that a failing run can be replayed.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (a random seed).</value>
    public int? RandomSeed { get; set; }
}
