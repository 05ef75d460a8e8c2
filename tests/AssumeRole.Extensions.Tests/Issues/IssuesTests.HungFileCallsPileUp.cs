using AssumeRole.Extensions.Caching;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Review 11 (attack): the file cache's calls run on the thread pool and the guard's timeout abandons them. A file
/// call that never returns (a hung NFS/FUSE home directory) keeps its pool thread (and its directory handle) for good,
/// and nothing stops the next call on the same directory from starting another: before the circuit opens every
/// concurrent cold caller starts one, and after it opens every half-open probe (one per break interval) adds one more,
/// without a bound. The hang is simulated in the cache's test hook (after the directory check, before the entry open).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class IssuesTestsHungFileCallsPileUp : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Break = TimeSpan.FromSeconds(30);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "assume-role-hung-" + Guid.NewGuid().ToString("N"));
    private readonly ManualResetEventSlim _hang = new(false);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private int _stuck;

    public IssuesTestsHungFileCallsPileUp()
    {
        Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose()
    {
        _hang.Set();
        SpinWait.SpinUntil(() => Volatile.Read(ref _stuck) == 0, TimeSpan.FromSeconds(30));
        _hang.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Read_FileSystemHangsForTenBreakIntervals_AbandonedFileCallsStayBounded()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && UnixFiles.IsSupported, "Handle-relative file calls are Linux only.");
        var cache = Create();
        var started = 0;
        for (var i = 0; i < 12; i++)
        {
            var read = cache.ReadAsync("entry" + i, CancellationToken.None);

            // Either the call reached the (hung) file system, or the open circuit skipped it at once.
            Assert.True(
                SpinWait.SpinUntil(() => read.IsCompleted || Volatile.Read(ref _stuck) > started, TimeSpan.FromSeconds(30)),
                "the read neither reached the file system nor was skipped");
            if (!read.IsCompleted)
            {
                started++;
                _time.Advance(Timeout);
            }

            await Assert.ThrowsAnyAsync<Exception>(() => read.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
            if (i >= 1)
            {
                _time.Advance(Break);
            }
        }

        // Two timeouts open the circuit; from then on a file system known to hang should not get more pool threads.
        Assert.True(Volatile.Read(ref _stuck) <= 2, $"{Volatile.Read(ref _stuck)} pool threads are stuck in file calls on one hung directory");
    }

    [Fact]
    public async Task Read_TwentyColdCallersOnAHungFileSystem_AbandonedFileCallsStayBounded()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && UnixFiles.IsSupported, "Handle-relative file calls are Linux only.");
        var cache = Create();

        var reads = Enumerable.Range(0, 20).Select(i => cache.ReadAsync("entry" + i, CancellationToken.None)).ToArray();
        SpinWait.SpinUntil(() => Volatile.Read(ref _stuck) == 20, TimeSpan.FromSeconds(10));
        _time.Advance(Timeout);
        foreach (var read in reads)
        {
            await Assert.ThrowsAnyAsync<Exception>(() => read.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        }

        Assert.True(Volatile.Read(ref _stuck) <= 2, $"{Volatile.Read(ref _stuck)} pool threads are stuck in file calls on one hung directory");
    }

    private FileSessionCache Create()
    {
        var guard = SecondLevelGuard.ForDirectory(_directory, "file", Timeout, Break, _time, NullLogger.Instance);
        return new FileSessionCache(_directory, awsCliName: null, guard, NullLogger.Instance)
        {
            AfterDirectoryChecked = () =>
            {
                Interlocked.Increment(ref _stuck);
                try
                {
                    _hang.Wait();
                }
                finally
                {
                    Interlocked.Decrement(ref _stuck);
                }
            },
        };
    }
}
