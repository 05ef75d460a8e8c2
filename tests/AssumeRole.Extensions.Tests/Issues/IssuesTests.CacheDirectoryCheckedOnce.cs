using System.Diagnostics;
using System.Text.Json.Nodes;
using AssumeRole.Extensions.Caching;
using AssumeRole.Extensions.Tests.Fakes;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// The file cache remembered a directory it had verified (a static set) and never checked its owner again: deleted and
/// recreated by another user with a forged entry, it was trusted and the forged credentials served. Ownership was also
/// proved by changing the directory's mode, which root can do for any directory. The directory is now checked on every
/// read and write, with its owner read by <c>statx</c>. Also here: a group-writable directory whose group is the
/// owner's private group (botocore under Debian's umask 002) is accepted, as Debian's OpenSSH accepts it.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class IssuesTestsCacheDirectoryCheckedOnce : IDisposable
{
    private const string Forged = "ASIAFORGEDBYATTACKER";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "assume-role-owner-" + Guid.NewGuid().ToString("N"));
    private readonly string _directory;
    private readonly TestEngine _processA = new();
    private readonly TestEngine _processB;

    public IssuesTestsCacheDirectoryCheckedOnce()
    {
        _directory = Path.Combine(_root, "cache");
        _processB = new TestEngine(time: _processA.Time, sts: _processA.Sts);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task Read_DirectoryRecreatedByAnotherUserAfterItWasChecked_ForgedEntryIsNotServed()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess, "Giving a directory to another user (chown) needs root on Linux.");

        // Process A checks the directory and writes its session.
        using (var a = _processA.Create(o => o.FileCacheDirectory = _directory))
        {
            await a.GetCredentialsAsync(TestContext.Current.CancellationToken);
            await TestEngine.WhenStoredAsync(a);
        }

        // Another user (nobody) replaces the directory with one of their own holding a forged copy of the entry.
        var entry = Assert.Single(Directory.GetFiles(_directory));
        var doc = JsonNode.Parse(await File.ReadAllTextAsync(entry, TestContext.Current.CancellationToken))!;
        doc["Credentials"]!["AccessKeyId"] = Forged;
        Directory.Move(_directory, _directory + ".old");
        Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await File.WriteAllTextAsync(Path.Combine(_directory, Path.GetFileName(entry)), doc.ToJsonString(), TestContext.Current.CancellationToken);
        File.SetUnixFileMode(Path.Combine(_directory, Path.GetFileName(entry)), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await ChownAsync("65534:65534", _directory);

        using var b = _processB.Create(o => o.FileCacheDirectory = _directory);
        var credentials = await b.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.NotEqual(Forged, credentials.AccessKey);
        Assert.Equal(2, _processA.Sts.CallCount);
        Assert.Equal("it is owned by another user", FileSessionCache.DirectoryRefusal(_directory));
    }

    [Fact]
    public async Task DirectoryRefusal_GroupWritableThroughTheOwnersPrivateGroup_IsAccepted()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess, "Needs a user whose private group this test can give the directory (root, group root with no members).");
        Assert.SkipUnless(File.ReadLines("/etc/group").Any(l => l == "root:x:0:"), "Group root has members here: not a user private group.");

        // botocore's os.makedirs under umask 002: drwxrwxr-x, group = the user's private group.
        Directory.CreateDirectory(_directory);
        File.SetUnixFileMode(_directory, (UnixFileMode)0b111_111_101);
        await ChownAsync("0:0", _directory);

        Assert.Null(FileSessionCache.DirectoryRefusal(_directory));
    }

    [Fact]
    public async Task DirectoryRefusal_GroupWritableThroughAnotherGroup_IsRefused()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess, "Giving a directory to another group (chown) needs root on Linux.");
        Directory.CreateDirectory(_directory);
        File.SetUnixFileMode(_directory, (UnixFileMode)0b111_111_101);
        await ChownAsync("0:65534", _directory);

        Assert.Equal("it is writable by other users", FileSessionCache.DirectoryRefusal(_directory));
    }

    private static async Task ChownAsync(string owner, string path)
    {
        using var chown = Process.Start(new ProcessStartInfo("chown", ["-R", owner, path]) { RedirectStandardError = true })!;
        await chown.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, chown.ExitCode);
    }
}
