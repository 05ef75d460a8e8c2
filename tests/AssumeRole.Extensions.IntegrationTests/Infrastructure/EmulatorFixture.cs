using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AssumeRole.Extensions.Testing;
using Microsoft.Extensions.Time.Testing;

namespace AssumeRole.Extensions.IntegrationTests.Infrastructure;

/// <summary>
/// A started <see cref="StsEmulator"/> on a <see cref="FakeTimeProvider"/> that begins at the real time (clients sign
/// with the machine clock, so the fake clock must start near it), with helpers for AWS SDK clients. One per test:
/// emulators start in milliseconds and tests must not share IAM state or call logs.
/// </summary>
public sealed class EmulatorFixture : IAsyncDisposable
{
    private readonly List<IDisposable> _clients = [];

    private EmulatorFixture(StsEmulator emulator, FakeTimeProvider time)
    {
        Emulator = emulator;
        Time = time;
    }

    public StsEmulator Emulator { get; }

    public FakeTimeProvider Time { get; }

    /// <param name="configure">Adjusts the options.</param>
    /// <param name="clockOffset">Starts the fake clock this far from the real time (for clock-skew tests).</param>
    /// <param name="checkSkewOnFakeClock">
    /// Checks request signatures against the fake clock instead of the real one (clock-skew tests); implied by a
    /// <paramref name="clockOffset"/>.
    /// </param>
    public static async Task<EmulatorFixture> StartAsync(Action<StsEmulatorOptions>? configure = null, TimeSpan clockOffset = default, bool checkSkewOnFakeClock = false)
    {
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow() + clockOffset);
        var options = new StsEmulatorOptions { TimeProvider = time, RandomSeed = 42 };
        if (checkSkewOnFakeClock || clockOffset != default)
        {
            options.SigningClock = time;
        }

        configure?.Invoke(options);
        return new EmulatorFixture(await StsEmulator.StartAsync(options), time);
    }

    /// <summary>Creates an SDK client signing with the user's long-term key.</summary>
    public AmazonSecurityTokenServiceClient ClientFor(EmulatedUser user) =>
        Track(new AmazonSecurityTokenServiceClient(new BasicAWSCredentials(user.AccessKeyId, user.SecretAccessKey), Config()));

    /// <summary>Creates an SDK client signing with temporary credentials STS issued.</summary>
    public AmazonSecurityTokenServiceClient ClientFor(Credentials credentials) =>
        Track(new AmazonSecurityTokenServiceClient(
            new SessionAWSCredentials(credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken), Config()));

    /// <summary>Creates an SDK client signing with arbitrary keys (for signature failure tests).</summary>
    public AmazonSecurityTokenServiceClient ClientFor(string accessKeyId, string secretAccessKey, string? sessionToken = null) =>
        Track(new AmazonSecurityTokenServiceClient(
            sessionToken is null
                ? new BasicAWSCredentials(accessKeyId, secretAccessKey)
                : new SessionAWSCredentials(accessKeyId, secretAccessKey, sessionToken),
            Config()));

    /// <summary>Creates an SDK client with anonymous credentials (AssumeRoleWithWebIdentity is unsigned).</summary>
    public AmazonSecurityTokenServiceClient AnonymousClient() =>
        Track(new AmazonSecurityTokenServiceClient(new AnonymousAWSCredentials(), Config()));

    public AmazonSecurityTokenServiceConfig Config() => new()
    {
        ServiceURL = Emulator.Endpoint.ToString(),
        AuthenticationRegion = "us-east-1",
        MaxErrorRetry = 0,
    };

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await Emulator.DisposeAsync();
    }

    private AmazonSecurityTokenServiceClient Track(AmazonSecurityTokenServiceClient client)
    {
        _clients.Add(client);
        return client;
    }
}
