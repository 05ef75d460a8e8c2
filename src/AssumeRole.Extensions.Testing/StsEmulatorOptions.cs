namespace AssumeRole.Extensions.Testing;

/// <summary>
/// Options for <see cref="StsEmulator.StartAsync(StsEmulatorOptions?, CancellationToken)"/>.
/// </summary>
public class StsEmulatorOptions
{
    /// <summary>
    /// Gets or sets the emulator's clock. It stamps and expires issued credentials, produces the HTTP <c>Date</c> header
    /// and awaits injected latency. A <c>FakeTimeProvider</c> may be advanced by hours or days: request signatures are
    /// checked against <see cref="SigningClock"/>, the real clock by default, which is the one clients sign with.
    /// </summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    /// <remarks>
    /// Start a <c>FakeTimeProvider</c> at the real time (<c>new FakeTimeProvider(TimeProvider.System.GetUtcNow())</c>):
    /// clients that measure a session's lifetime compare its expiry with their own clock.
    /// </remarks>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Gets or sets the clock that a request's <c>X-Amz-Date</c> must be within <see cref="AllowedClockSkew"/> of. Clients
    /// such as the AWS SDK and the AWS CLI sign with the machine's real clock whatever clock a test fakes, so the check
    /// runs on the real clock unless a test sets this (for example to its <c>FakeTimeProvider</c>, to test clock skew).
    /// </summary>
    /// <value>The default value is <see langword="null"/>, which means <see cref="TimeProvider.System"/>.</value>
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
