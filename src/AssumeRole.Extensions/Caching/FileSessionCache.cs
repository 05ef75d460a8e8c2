using System.Collections.Concurrent;
using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Sts;
using Microsoft.Extensions.Logging;

namespace AssumeRole.Extensions.Caching;

/// <summary>
/// Sessions as files in the AWS CLI's cache format, for developer machines: one file per session, written atomically
/// (temporary file, then rename) with mode 0600 in a 0700 directory, so a crash never leaves half a file and no other
/// user can read it.
/// </summary>
/// <remarks>
/// <para>
/// The directory is treated the way OpenSSH treats <c>~/.ssh</c>: one that is a symbolic link, writable by group or
/// others, or owned by another user is refused (logged once, and the provider runs without the file cache), and so is
/// an entry that is a symbolic link or writable by others. The directory is checked on every read and write (a
/// directory checked once could be deleted and recreated by another user).
/// </para>
/// <para>
/// On Linux (<see cref="UnixFiles.IsSupported"/>) what is checked is what is used: the directory is opened without
/// following a link and checked through its handle (<c>statx</c> of the open directory), and entries are opened,
/// created and renamed relative to that handle (<c>openat</c> with <c>O_NOFOLLOW</c>, <c>renameat</c>), then checked
/// through their own handle: a regular file, owned by this user or root, not writable by others, with no other hard
/// link. A directory or entry swapped by path between the check and the use is therefore never reached. Elsewhere the
/// checks are by path (<c>lstat</c>, then open), which holds while nobody else can write the directory's parents;
/// ownership is then tested by setting the directory's mode to what it already is, which only its owner (or root) can
/// do. Writes create a new file and rename it over the entry, which replaces a link rather than following it.
/// </para>
/// </remarks>
internal sealed class FileSessionCache : ISecondLevelCache
{
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode WritableByOthers = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    /// <summary>The largest entry read: a session document is a few kilobytes.</summary>
    private const int MaxEntryBytes = 1024 * 1024;

    /// <summary>Refusals already logged (once per directory and reason).</summary>
    private static readonly ConcurrentDictionary<(string, string), bool> s_loggedRefusals = new();

    private readonly string? _awsCliName;
    private readonly SecondLevelGuard _guard;
    private readonly FileCallGate _gate;
    private readonly ILogger _logger;

    /// <param name="directory">The directory; <c>~</c> expands to the home directory.</param>
    /// <param name="awsCliName">
    /// The name botocore gives this session's entry (see <see cref="AwsCliCacheName"/>), or <see langword="null"/> to
    /// name entries by the session's cross-process key.
    /// </param>
    /// <param name="guard">Timeout and circuit breaker of this directory.</param>
    /// <param name="logger">Where refusals are logged.</param>
    public FileSessionCache(string directory, string? awsCliName, SecondLevelGuard guard, ILogger logger)
    {
        Directory = ExpandHome(directory);
        _awsCliName = awsCliName;
        _guard = guard;
        _gate = FileCallGate.For(Directory);
        _logger = logger;
    }

    public string Level => TelemetryNames.FileLevel;

    public string Directory { get; }

    /// <summary>Whether entries are named the AWS CLI's way (shared with <c>aws --profile</c>).</summary>
    public bool UsesAwsCliNames => _awsCliName is not null;

    /// <summary>Test hook: runs after the directory passed its check and before an entry is opened (tests swap files in it).</summary>
    internal Action? AfterDirectoryChecked { get; set; }

    public static string ExpandHome(string directory) =>
        directory.StartsWith('~')
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), directory.TrimStart('~').TrimStart('/', '\\'))
            : directory;

    public string? NameOf(string? key) => _awsCliName ?? key?.ToLowerInvariant();

    public string PathOf(string name) => Path.Combine(Directory, name + ".json");

    public async Task<StsCredentials?> ReadAsync(string name, CancellationToken cancellationToken)
    {
        byte[]? bytes;
        string? refusal;
        if (UnixFiles.IsSupported)
        {
            // On the thread pool: a hung file system (a network home directory) is bounded by the guard's timeout, and
            // the threads it can hold by the directory's gate.
            string? directoryRefusal;
            (bytes, directoryRefusal, refusal) = await _guard.RunAsync(ct => _gate.RunAsync(() => Task.FromResult(ReadRelative(name)), ct), cancellationToken).ConfigureAwait(false);
            if (directoryRefusal is not null)
            {
                LogDirectoryRefusal(directoryRefusal);
                return null;
            }
        }
        else
        {
            if (!System.IO.Directory.Exists(Directory) || !IsTrustedDirectory())
            {
                return null;
            }

            AfterDirectoryChecked?.Invoke();
            var path = PathOf(name);
            // On the thread pool, so that the guard's timeout bounds it: opening a FIFO by path blocks until a writer comes.
            (bytes, refusal) = await _guard.RunAsync(ct => _gate.RunAsync(() => ReadEntryAsync(path, ct), ct), cancellationToken).ConfigureAwait(false);
        }

        if (refusal is not null)
        {
            throw new RefusedEntryException(refusal);
        }

        return bytes is null
            ? null
            : CachedSessionDocument.Deserialize(bytes) ?? throw new RefusedEntryException("it is not a session document");
    }

    public Task WriteInBackground(string name, StsCredentials credentials, DateTimeOffset issuedAt, Func<TimeSpan> timeToLive, Action<Exception> onFailure) =>
        _guard.RunInBackground(
            ct => _gate.RunAsync(
                async () =>
                {
                    if (UnixFiles.IsSupported)
                    {
                        WriteRelative(name, CachedSessionDocument.Serialize(credentials, issuedAt));
                    }
                    else
                    {
                        await WriteEntryAsync(PathOf(name), CachedSessionDocument.Serialize(credentials, issuedAt), ct).ConfigureAwait(false);
                    }

                    return true;
                },
                ct),
            onFailure);

    /// <summary>
    /// Why an open file's status (<c>statx</c> of its handle) makes it unfit as an entry, or <see langword="null"/>.
    /// A hard link would be a file that also lives elsewhere, where others may read or change it.
    /// </summary>
    internal static string? EntryRefusal(UnixFileStatus.Status status, uint me)
    {
        if (!status.IsRegularFile)
        {
            return status.IsSymbolicLink ? "it is a symbolic link" : "it is not a regular file";
        }

        if (status.UserId != me && status.UserId != 0)
        {
            return "it is owned by another user";
        }

        if ((status.Mode & (int)WritableByOthers) != 0)
        {
            return "it is writable by other users";
        }

        return status.Links != 1 ? "it has other hard links" : null;
    }

    /// <summary>
    /// Opens the directory (not through a link) and checks it through its handle: the handle, or why it may not be
    /// used (both <see langword="null"/>: it does not exist).
    /// </summary>
    private (Microsoft.Win32.SafeHandles.SafeFileHandle? Handle, string? Refusal) OpenCheckedDirectory()
    {
        var handle = UnixFiles.OpenDirectory(Directory, out var errno);
        if (handle is null)
        {
            return errno switch
            {
                UnixFiles.NoSuchFile => (null, null),
                // A link, or not a directory: the path check names which.
                UnixFiles.TooManyLinks or UnixFiles.NotADirectory => (null, DirectoryRefusal(Directory) ?? "it is not a directory"),
                _ => throw new IOException(FormattableString.Invariant($"The session cache directory cannot be opened (errno {errno}).")),
            };
        }

        var refusal = UnixFileStatus.Get(handle) is { } status
            ? DirectoryRefusal(status, UnixFileStatus.EffectiveUserId!.Value)
            : "its status cannot be read";
        if (refusal is not null)
        {
            handle.Dispose();
            return (null, refusal);
        }

        AfterDirectoryChecked?.Invoke();
        return (handle, null);
    }

    /// <summary>Reads an entry relative to the checked directory, checking the opened file itself.</summary>
    private (byte[]? Bytes, string? DirectoryRefusal, string? Refusal) ReadRelative(string name)
    {
        var (directory, directoryRefusal) = OpenCheckedDirectory();
        if (directory is null)
        {
            return (null, directoryRefusal, null);
        }

        using (directory)
        {
            using var entry = UnixFiles.OpenForReading(directory, name + ".json", out var errno);
            if (entry is null)
            {
                return errno switch
                {
                    UnixFiles.NoSuchFile => (null, null, null),
                    UnixFiles.TooManyLinks => (null, null, "it is a symbolic link"),
                    // What is at the entry's name cannot be opened (a socket, an unreadable mode): a refused entry like
                    // any other that fails its checks, not a failure of the file system (which would count towards
                    // the directory's circuit and turn the cache off for every session).
                    UnixFiles.NoSuchDevice or UnixFiles.AccessDenied or UnixFiles.NotPermitted or UnixFiles.NoDevice or UnixFiles.Overflow
                        => (null, null, FormattableString.Invariant($"it cannot be opened (errno {errno})")),
                    _ => throw new IOException(FormattableString.Invariant($"The session cache entry cannot be opened (errno {errno}).")),
                };
            }

            var status = UnixFileStatus.Get(entry) ?? throw new IOException("The session cache entry's status cannot be read.");
            if (EntryRefusal(status, UnixFileStatus.EffectiveUserId!.Value) is { } refusal)
            {
                return (null, null, refusal);
            }

            var length = RandomAccess.GetLength(entry);
            if (length > MaxEntryBytes)
            {
                return (null, null, "it is larger than a session document");
            }

            var bytes = new byte[length];
            var read = 0;
            while (read < bytes.Length && RandomAccess.Read(entry, bytes.AsSpan(read), read) is var n and > 0)
            {
                read += n;
            }

            return (read == bytes.Length ? bytes : bytes[..read], null, null);
        }
    }

    /// <summary>Writes an entry relative to the checked directory: a new file (never through a link) renamed over it.</summary>
    private void WriteRelative(string name, byte[] document)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Handle-relative file access is Linux only (see UnixFiles.IsSupported).");
        }

        var (directory, refusal) = OpenCheckedDirectory();
        if (directory is null && refusal is null)
        {
            System.IO.Directory.CreateDirectory(Directory, OwnerOnlyDirectory);
            (directory, refusal) = OpenCheckedDirectory();
        }

        if (directory is null)
        {
            LogDirectoryRefusal(refusal ?? "it disappeared while it was created");
            return;
        }

        using (directory)
        {
            var temporary = $"{name}.json.{Guid.NewGuid():N}.tmp";
            using (var file = UnixFiles.CreateNew(directory, temporary, OwnerOnlyFile, out var errno)
                ?? throw new IOException(FormattableString.Invariant($"A session cache entry cannot be created (errno {errno}).")))
            {
                try
                {
                    WriteTemporary(file, document);
                }
                catch
                {
                    // A failed write (a full disk) must not leave the temporary file behind.
                    UnixFiles.Delete(directory, temporary);
                    throw;
                }
            }

            if (UnixFiles.Rename(directory, temporary, name + ".json") is var failed and not 0)
            {
                UnixFiles.Delete(directory, temporary);
                throw new IOException(FormattableString.Invariant($"A session cache entry cannot be renamed into place (errno {failed})."));
            }
        }
    }

    /// <summary>Test hook: replaces writing the temporary file's content (tests make it fail like a full disk).</summary>
    internal Action<Microsoft.Win32.SafeHandles.SafeFileHandle, byte[]>? WriteTemporaryOverride { get; set; }

    private void WriteTemporary(Microsoft.Win32.SafeHandles.SafeFileHandle file, byte[] document)
    {
        if (WriteTemporaryOverride is { } write)
        {
            write(file, document);
        }
        else
        {
            RandomAccess.Write(file, document, 0);
        }
    }

    /// <summary>Reads an entry without following a link; a refusal is a result, not a failure of the cache.</summary>
    private static async Task<(byte[]? Bytes, string? Refusal)> ReadEntryAsync(string path, CancellationToken cancellationToken)
    {
        var entry = new FileInfo(path);
        if (!entry.Exists && entry.LinkTarget is null)
        {
            return (null, null);
        }

        if (!OperatingSystem.IsWindows())
        {
            if (entry.LinkTarget is not null)
            {
                return (null, "it is a symbolic link");
            }

            if ((entry.UnixFileMode & WritableByOthers) != 0)
            {
                return (null, "it is writable by other users");
            }
        }

        return (await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false), null);
    }

    private async Task WriteEntryAsync(string path, byte[] document, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(Directory);
        }
        else if (!System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.CreateDirectory(Directory, OwnerOnlyDirectory);
        }

        if (!IsTrustedDirectory())
        {
            return;
        }

        // A new file (O_EXCL: never through a link) renamed over the entry: atomic, and a link at the entry's name
        // is replaced, not followed.
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnlyFile;
        }

        try
        {
            var stream = new FileStream(temporary, options);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(document, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>The directory check (see remarks); a refusal is logged once per directory and reason.</summary>
    private bool IsTrustedDirectory()
    {
        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        var refusal = DirectoryRefusal(Directory);
        if (refusal is null)
        {
            return true;
        }

        LogDirectoryRefusal(refusal);
        return false;
    }

    private void LogDirectoryRefusal(string refusal)
    {
        if (s_loggedRefusals.TryAdd((Directory, refusal), true))
        {
            Log.FileCacheRefused(_logger, Directory, refusal);
        }
    }

    /// <summary>
    /// Why <paramref name="directory"/> may not hold sessions, or <see langword="null"/> when it may. Checked on every
    /// read and write, never remembered: a directory verified once can be deleted and recreated by someone else.
    /// </summary>
    internal static string? DirectoryRefusal(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        var info = new DirectoryInfo(directory);
        if (info.LinkTarget is not null)
        {
            return "it is a symbolic link";
        }

        if (UnixFileStatus.Get(directory) is { } status && UnixFileStatus.EffectiveUserId is { } me)
        {
            return DirectoryRefusal(status, me);
        }

        if ((info.UnixFileMode & WritableByOthers) != 0)
        {
            return "it is writable by other users";
        }

        try
        {
            // Without statx (macOS, old C libraries): only the owner (or root) may change a mode, so setting it to what
            // it is proves ownership and changes nothing.
            File.SetUnixFileMode(directory, info.UnixFileMode);
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return "it is owned by another user";
        }
    }

    /// <summary>Why a directory with this status (of its path or of its open handle) may not hold sessions, or <see langword="null"/>.</summary>
    private static string? DirectoryRefusal(UnixFileStatus.Status status, uint me)
    {
        // OpenSSH's rule for ~/.ssh: owned by the user or root; group-writable only through the user's own private
        // group (Debian/Ubuntu give every user one, and botocore creates ~/.aws/cli/cache under umask 002).
        if (status.IsSymbolicLink)
        {
            return "it is a symbolic link";
        }

        if (!status.IsDirectory)
        {
            return "it is not a directory";
        }

        if (status.UserId != me && status.UserId != 0)
        {
            return "it is owned by another user";
        }

        if ((status.Mode & (int)UnixFileMode.OtherWrite) != 0)
        {
            return "it is writable by other users";
        }

        return (status.Mode & (int)UnixFileMode.GroupWrite) != 0 && !UserPrivateGroup.Is(status.GroupId, status.UserId)
            ? "it is writable by other users"
            : null;
    }
}
