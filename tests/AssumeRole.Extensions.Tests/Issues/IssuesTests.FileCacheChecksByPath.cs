using System.Diagnostics;
using System.Text.Json.Nodes;
using AssumeRole.Extensions.Caching;
using AssumeRole.Extensions.Tests.Fakes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// The file cache checked the directory and the entry by path, then opened the entry by path: a directory swapped for
/// another (a link to a directory anyone can write) or an entry swapped for a hard link between the check and the
/// open was read without being checked. On Linux the directory is now opened and checked through its handle, and
/// entries are opened relative to it without following links and checked through their own handle (a regular file,
/// owned by this user or root, not writable by others, no other hard link). The swaps happen in the cache's test hook,
/// after the directory check and before the entry is opened, so the race is deterministic.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class IssuesTestsFileCacheChecksByPath : IDisposable
{
    private const string SwappedAccessKey = "ASIASWAPPEDENTRY0001";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "assume-role-by-path-" + Guid.NewGuid().ToString("N"));
    private readonly string _directory;
    private readonly TestEngine _processA = new();
    private readonly FakeLogCollector _logs = new();
    private readonly LoggerFactory _loggerFactory;
    private readonly TestEngine _processB;

    public IssuesTestsFileCacheChecksByPath()
    {
        _directory = Path.Combine(_root, "cache");
        Directory.CreateDirectory(_root);
        _loggerFactory = new LoggerFactory([new FakeLoggerProvider(_logs)]);
        _processB = new TestEngine(time: _processA.Time, sts: _processA.Sts, loggerFactory: _loggerFactory);
    }

    public void Dispose()
    {
        _loggerFactory.Dispose();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task Read_DirectorySwappedForALinkToAnotherAfterTheCheck_ReadsTheCheckedDirectory()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && UnixFiles.IsSupported, "Handle-relative checks are Linux only.");
        var file = await WriteEntryAsync();
        var written = await AccessKeyOfAsync(file);

        // A directory anyone can write, holding a forged copy of the entry under the same name.
        var open = Path.Combine(_root, "open-to-all");
        Directory.CreateDirectory(open);
        File.SetUnixFileMode(open, (UnixFileMode)0b111_111_111);
        await WriteForgedCopyAsync(file, Path.Combine(open, Path.GetFileName(file)));

        using var b = _processB.Create(o => o.FileCacheDirectory = _directory);
        FileCacheOf(b).AfterDirectoryChecked = () =>
        {
            Directory.Move(_directory, _directory + ".checked");
            Directory.CreateSymbolicLink(_directory, open);
        };
        var credentials = await b.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(b);

        Assert.Equal(written, credentials.AccessKey);
        Assert.Equal(1, _processA.Sts.CallCount);
    }

    [Fact]
    public async Task Read_EntrySwappedForAHardLinkAfterTheCheck_IsRefused()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && UnixFiles.IsSupported, "Handle-relative checks are Linux only.");
        var file = await WriteEntryAsync();
        var elsewhere = Path.Combine(_root, "elsewhere.json");
        await WriteForgedCopyAsync(file, elsewhere);

        using var b = _processB.Create(o => o.FileCacheDirectory = _directory);
        FileCacheOf(b).AfterDirectoryChecked = () =>
        {
            File.Delete(file);
            Run("ln", elsewhere, file);
        };
        var credentials = await b.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(b);

        Assert.NotEqual(SwappedAccessKey, credentials.AccessKey);
        Assert.Equal(2, _processA.Sts.CallCount);
        Assert.Contains(_logs.GetSnapshot(), r => r.Id.Id == 35 && r.Message.Contains("it has other hard links", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Read_EntrySwappedForASymbolicLinkAfterTheCheck_IsNotFollowed()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && UnixFiles.IsSupported, "Handle-relative checks are Linux only.");
        var file = await WriteEntryAsync();
        var elsewhere = Path.Combine(_root, "elsewhere.json");
        await WriteForgedCopyAsync(file, elsewhere);

        using var b = _processB.Create(o => o.FileCacheDirectory = _directory);
        FileCacheOf(b).AfterDirectoryChecked = () =>
        {
            File.Delete(file);
            File.CreateSymbolicLink(file, elsewhere);
        };
        var credentials = await b.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(b);

        Assert.NotEqual(SwappedAccessKey, credentials.AccessKey);
        Assert.Equal(2, _processA.Sts.CallCount);
        Assert.Contains(_logs.GetSnapshot(), r => r.Id.Id == 35 && r.Message.Contains("it is a symbolic link", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Read_EntryIsAFifo_IsRefusedWithoutWaitingForAWriter()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && UnixFiles.IsSupported, "Handle-relative checks are Linux only.");
        var file = await WriteEntryAsync();
        File.Delete(file);
        Run("mkfifo", "-m", "600", file);

        // A generous timeout: a read that opened the FIFO would wait for a writer until it ran out (a cache error).
        using var b = _processB.Create(o =>
        {
            o.FileCacheDirectory = _directory;
            o.SecondLevelCacheTimeout = TimeSpan.FromSeconds(30);
        });
        await b.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(b);

        Assert.Equal(2, _processA.Sts.CallCount);
        Assert.Contains(_logs.GetSnapshot(), r => r.Id.Id == 35 && r.Message.Contains("it is not a regular file", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Write_DirectorySwappedForALinkAfterTheCheck_WritesIntoTheCheckedDirectory()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && UnixFiles.IsSupported, "Handle-relative checks are Linux only.");
        Directory.CreateDirectory(_directory);
        var open = Path.Combine(_root, "open-to-all");
        Directory.CreateDirectory(open);
        File.SetUnixFileMode(open, (UnixFileMode)0b111_111_111);

        using var a = _processA.Create(o => o.FileCacheDirectory = _directory);
        var swapped = 0;
        FileCacheOf(a).AfterDirectoryChecked = () =>
        {
            // Only on the write (the read before it finds nothing either way).
            if (Directory.GetFiles(_directory).Length == 0 && Interlocked.Increment(ref swapped) == 2)
            {
                Directory.Move(_directory, _directory + ".checked");
                Directory.CreateSymbolicLink(_directory, open);
            }
        };
        await a.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(a);

        Assert.Equal(2, swapped);
        Assert.Empty(Directory.GetFiles(open));
        Assert.Single(Directory.GetFiles(_directory + ".checked"));
    }

    private static FileSessionCache FileCacheOf(AssumeRoleCredentials provider) =>
        ((CachedSessionFetcher)provider.Session.Fetcher).Levels.OfType<FileSessionCache>().Single();

    private static async Task<string> AccessKeyOfAsync(string file) =>
        (string)JsonNode.Parse(await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken))!["Credentials"]!["AccessKeyId"]!;

    /// <summary>The entry with another access key: it passes every content check, so only where it was read from tells.</summary>
    private static async Task WriteForgedCopyAsync(string entry, string to)
    {
        var doc = JsonNode.Parse(await File.ReadAllTextAsync(entry, TestContext.Current.CancellationToken))!;
        doc["Credentials"]!["AccessKeyId"] = SwappedAccessKey;
        await File.WriteAllTextAsync(to, doc.ToJsonString(), TestContext.Current.CancellationToken);
        File.SetUnixFileMode(to, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static void Run(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{command} failed: {error}");
    }

    /// <summary>Process A assumes the role with the file cache; returns the file it wrote.</summary>
    private async Task<string> WriteEntryAsync()
    {
        using var a = _processA.Create(o => o.FileCacheDirectory = _directory);
        await a.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(a);
        return Assert.Single(Directory.GetFiles(_directory));
    }
}
