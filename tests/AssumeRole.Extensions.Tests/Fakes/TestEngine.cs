using AssumeRole.Extensions.Caching;
using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Sts;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AssumeRole.Extensions.Tests.Fakes;

/// <summary>Builds providers on a fake clock and an in-memory STS, with their own session cache.</summary>
internal sealed class TestEngine
{
    public const string RoleArn = "arn:aws:iam::123456789012:role/Demo";

    public TestEngine(double jitter = 0, ILoggerFactory? loggerFactory = null)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        Sts = new FakeSts(Time);
        Jitter = jitter;
        Cache = new SessionCache(Time);
        Caps = new DurationCaps();
        // Each source gets its own view of the one STS double, so calls record (and resolve, as the SDK does) the credentials they were signed with.
        Context = new AssumeRoleContext(Time, loggerFactory ?? NullLoggerFactory.Instance, Cache, (source, _, _) => (Sts.ViewFor(source), false), Caps, () => Jitter);
    }

    public FakeTimeProvider Time { get; }

    public FakeSts Sts { get; }

    public SessionCache Cache { get; }

    public DurationCaps Caps { get; }

    public AssumeRoleContext Context { get; }

    /// <summary>The value the jitter random source returns (0 = no jitter, just under 1 = maximum).</summary>
    public double Jitter { get; set; }

    public static BasicAWSCredentials Source(string key = "AKIAEXAMPLESOURCE01") => new(key, "source-secret-" + key);

    public AssumeRoleCredentials Create(Action<AssumeRoleOptions>? configure = null, AWSCredentials? source = null)
    {
        var options = new AssumeRoleOptions { RoleArn = RoleArn, RoleSessionName = "test-session", SourceCredentials = source ?? Source(), MaxStsRetries = 0 };
        configure?.Invoke(options);
        return new AssumeRoleCredentials(options, Context);
    }

    /// <summary>Advances the fake clock and lets any refresh it started finish.</summary>
    public async Task AdvanceAsync(TimeSpan by, AssumeRoleCredentials provider)
    {
        Time.Advance(by);
        await SettleAsync(provider);
    }

    public static async Task SettleAsync(AssumeRoleCredentials provider)
    {
        if (provider.Session.PendingRefresh is { } pending)
        {
            try
            {
                await pending.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (Exception ex) when (ex is not TimeoutException)
            {
                // The test inspects the outcome through the provider.
            }
        }
    }
}
