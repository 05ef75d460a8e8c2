using Amazon.Runtime;
using AssumeRole.Extensions.Caching;
using AssumeRole.Extensions.Sts;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Review 11: on Linux the handle-relative write deleted its temporary file only when the rename failed; a write that
/// failed itself (a full disk) left a <c>*.tmp</c> in the cache directory, one per failed write.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class IssuesTestsFailedWriteLeavesTemporaryFile : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "assume-role-full-" + Guid.NewGuid().ToString("N"));

    public IssuesTestsFailedWriteLeavesTemporaryFile() =>
        Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task WriteInBackground_WriteFailsLikeAFullDisk_NoTemporaryFileIsLeft()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && UnixFiles.IsSupported, "Handle-relative file calls are Linux only.");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var guard = SecondLevelGuard.ForDirectory(_directory, "file", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), time, NullLogger.Instance);
        var cache = new FileSessionCache(_directory, awsCliName: null, guard, NullLogger.Instance)
        {
            WriteTemporaryOverride = (_, _) => throw new IOException("No space left on device"),
        };
        var credentials = new StsCredentials(
            new ImmutableCredentials("ASIAFULLDISK0000", "secret", "token"),
            (time.GetUtcNow() + TimeSpan.FromHours(1)).UtcDateTime,
            time.GetUtcNow(),
            null,
            "req-1");
        Exception? failure = null;

        await cache.WriteInBackground("entry", credentials, time.GetUtcNow(), () => TimeSpan.FromHours(1), ex => failure = ex)
            .WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.IsType<IOException>(failure);
        Assert.Empty(Directory.GetFiles(_directory));
    }
}
