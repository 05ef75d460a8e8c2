using System.Globalization;
using System.Text.Json.Nodes;
using AssumeRole.Extensions.Caching;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Testing;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace AssumeRole.Extensions.IntegrationTests.Caching;

/// <summary>
/// The second-level entry check let an AssumeRole entry without a requested duration last up to 12 hours, also on a
/// chained hop, which STS caps at one hour (and STS's default without DurationSeconds is one hour anyway): a
/// hand-written file entry lasting 5 hours was served for the chained hop. An entry's lifetime is now held to what STS
/// issues for the call: the requested duration else one hour, and at most one hour when chained.
/// </summary>
public sealed class IssuesTestsChainedEntryLifetime : IAsyncLifetime
{
    private const string Hub = "arn:aws:iam::123456789012:role/Hub";
    private const string Spoke = "arn:aws:iam::123456789012:role/Spoke";
    private const string MadeUpAccessKey = "ASIAHANDWRITTENENTRY";
    private const string MadeUpSecret = "hand-written-secret-access-key-not-real-000001";
    private const string MadeUpToken = "hand-written-session-token-not-real-000001";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "assume-role-chained-entry-" + Guid.NewGuid().ToString("N"));
    private EmulatorFixture _sts = null!;
    private EmulatedUser _user = null!;

    public async ValueTask InitializeAsync()
    {
        _sts = await EmulatorFixture.StartAsync();
        _user = _sts.Emulator.AddUser("dev");
        _sts.Emulator.AddRole(Hub);
        _sts.Emulator.AddRole(Spoke);
    }

    public async ValueTask DisposeAsync()
    {
        await _sts.DisposeAsync();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task Read_ChainedHopEntryLastingFiveHours_IsRefusedWithTheReasonAndStsIsCalled()
    {
        var ct = TestContext.Current.CancellationToken;

        // Process A assumes Hub, then Spoke from the Hub session (chained, no DurationSeconds), and writes both files.
        string path;
        using (var a = Provider(null))
        {
            await a.GetCredentialsAsync(ct);
            var spoke = (CachedSessionFetcher)a.Session.Fetcher;
            await spoke.PendingBackground;
            path = Path.Combine(_directory, (await spoke.TryGetKeyAsync(ct))!.ToLowerInvariant() + ".json");
        }

        // Hub's entry is written in the background of its own session: wait for it (bounded by real time).
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (Directory.GetFiles(_directory, "*.json").Length < 2 && waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(20, ct);
        }

        // Someone able to write the directory replaces Spoke's entry: made-up keys, 5 hours from its issue time.
        var doc = JsonNode.Parse(await File.ReadAllTextAsync(path, ct))!;
        var issuedAt = DateTimeOffset.Parse((string)doc["ResponseMetadata"]!["HTTPHeaders"]!["date"]!, CultureInfo.InvariantCulture);
        doc["Credentials"]!["AccessKeyId"] = MadeUpAccessKey;
        doc["Credentials"]!["SecretAccessKey"] = MadeUpSecret;
        doc["Credentials"]!["SessionToken"] = MadeUpToken;
        doc["Credentials"]!["Expiration"] = issuedAt.AddHours(5).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        await File.WriteAllTextAsync(path, doc.ToJsonString(), ct);

        // Process B finds Hub's entry (the same file cache) and refuses Spoke's.
        var logs = new FakeLogCollector();
        using var loggerFactory = new LoggerFactory([new FakeLoggerProvider(logs)]);
        using var b = Provider(loggerFactory);
        var credentials = await b.GetCredentialsAsync(ct);
        await ((CachedSessionFetcher)b.Session.Fetcher).PendingBackground;

        Assert.NotEqual(MadeUpAccessKey, credentials.AccessKey);
        Assert.Equal(2, _sts.Emulator.CountCalls("AssumeRole", Spoke));
        Assert.Equal(1, _sts.Emulator.CountCalls("AssumeRole", Hub));
        var refusal = Assert.Single(logs.GetSnapshot(), r => r.Id.Id == 35);
        Assert.Contains("it lasts 18000 s, longer than STS issues for this call (3600 s)", refusal.Message, StringComparison.Ordinal);
        foreach (var content in new[] { MadeUpAccessKey, MadeUpSecret, MadeUpToken })
        {
            Assert.DoesNotContain(logs.GetSnapshot(), r => r.Message.Contains(content, StringComparison.Ordinal));
        }
    }

    /// <summary>A "process": a clock of its own (its own session cache), the shared file cache directory.</summary>
    private AssumeRoleCredentials Provider(ILoggerFactory? loggerFactory) =>
        new(
            new AssumeRoleOptions
            {
                RoleArn = Spoke,
                RoleSessionName = "spoke",
                Chain = [new AssumeRoleHopOptions { RoleArn = Hub, RoleSessionName = "hub" }],
                SourceCredentials = new BasicAWSCredentials(_user.AccessKeyId, _user.SecretAccessKey),
                ServiceUrl = _sts.Emulator.Endpoint.ToString(),
                Region = "us-east-1",
                MaxStsRetries = 0,
                FileCacheDirectory = _directory,

                // Generous for this shared, loaded machine: a file read that times out would be a miss, not a refusal.
                SecondLevelCacheTimeout = TimeSpan.FromSeconds(5),
            },
            new OwnClock(),
            loggerFactory);

    /// <summary>The real clock, but a clock of its own: a provider on it has its own session cache (a "process").</summary>
    private sealed class OwnClock : TimeProvider;
}
