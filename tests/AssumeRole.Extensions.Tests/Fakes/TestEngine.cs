using AssumeRole.Extensions.Caching;
using AssumeRole.Extensions.Diagnostics;
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

    /// <param name="clock">
    /// The engine's (and STS's) clock when it is not <paramref name="time"/> itself: a <see cref="SuspendableTimeProvider"/>
    /// (whose <see cref="SuspendableTimeProvider.Inner"/> is then <see cref="Time"/>).
    /// </param>
    public TestEngine(double jitter = 0, ILoggerFactory? loggerFactory = null, AssumeRoleTelemetry? telemetry = null, FakeTimeProvider? time = null, FakeSts? sts = null, bool signWithSource = false, TimeProvider? clock = null)
    {
        Time = time ?? (clock as SuspendableTimeProvider)?.Inner ?? new FakeTimeProvider(RealNow());
        Clock = clock ?? Time;
        Sts = sts ?? new FakeSts(Time) { Clock = Clock };
        Jitter = jitter;
        Cache = new SessionCache(Clock, loggerFactory?.CreateLogger("AssumeRole.Extensions.SessionCache"));
        Caps = new DurationCaps();
        // With signWithSource each source gets its own view of the one STS double, which resolves the source's
        // credentials before every call (as the SDK does when it signs) and records the key: chaining tests need that.
        Context = new AssumeRoleContext(
            Clock,
            loggerFactory ?? NullLoggerFactory.Instance,
            Cache,
            signWithSource ? (source, _, _) => (Sts.ViewFor(source), false) : (_, _, _) => (Sts, false),
            Caps,
            () => Jitter,
            telemetry);
    }

    public FakeTimeProvider Time { get; }

    /// <summary>The engine's clock: <see cref="Time"/>, or a provider over it (see the constructor).</summary>
    public TimeProvider Clock { get; }

    public FakeSts Sts { get; }

    public SessionCache Cache { get; }

    public DurationCaps Caps { get; }

    public AssumeRoleContext Context { get; }

    /// <summary>The value the jitter random source returns (0 = no jitter, just under 1 = maximum).</summary>
    public double Jitter { get; set; }

    /// <summary>
    /// The real time, to the whole second: a fake clock starts here (never at a fixed date), so any component that
    /// reads the real clock — a <c>MemoryDistributedCache</c>, the SDK's signer — agrees with it today and next year.
    /// </summary>
    public static DateTimeOffset RealNow()
    {
        var now = TimeProvider.System.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
    }

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

    /// <summary>
    /// Advances the fake clock and waits until no session of the cache (every hop of every chain) has a refresh in
    /// flight, so that the next advance cannot time out an STS call that is still running on the thread pool.
    /// </summary>
    public async Task AdvanceAllAsync(TimeSpan by)
    {
        Time.Advance(by);
        for (var round = 0; round < 100; round++)
        {
            var pending = Cache.Snapshot().Select(s => s.PendingRefresh).OfType<Task>().ToList();
            if (pending.Count == 0)
            {
                return;
            }

            try
            {
                await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (Exception ex) when (ex is not TimeoutException)
            {
                // The test inspects the outcome through the providers.
            }
        }
    }

    /// <summary>
    /// Waits for the background work (second-level cache writes, fleet lease release) of every hop of
    /// <paramref name="provider"/>'s chain: writes never delay a caller, so a second "process" reading the cache right
    /// after the first one's call must wait for them.
    /// </summary>
    public static async Task WhenStoredAsync(AssumeRoleCredentials provider)
    {
        for (var session = provider.Session; session is not null;)
        {
            var fetcher = session.Fetcher;
            if (fetcher is CachedSessionFetcher cached)
            {
                await cached.PendingBackground.WaitAsync(TimeSpan.FromSeconds(30));
                fetcher = cached.Inner;
            }

            if (fetcher is AssumeRole.Extensions.MultiTenant.RateLimitedFetcher limited)
            {
                fetcher = limited.Inner;
            }

            session = (fetcher as AssumeRoleFetcher)?.Parent;
        }
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
