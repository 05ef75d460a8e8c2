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
/// The directory is treated the way OpenSSH treats <c>~/.ssh</c>: one that is a symbolic link, writable by group or
/// others, or owned by another user is refused (logged once, and the provider runs without the file cache), and so is
/// an entry that is a symbolic link or writable by others. The directory is checked on every read and write (a
/// directory checked once could be deleted and recreated by another user). Since nobody else can create or replace
/// entries in such a directory, checking an entry with <c>lstat</c> before opening it cannot be raced; writes create a
/// new file and rename it over the entry, which replaces a link rather than following it. Ownership is read with
/// <c>statx</c> on Linux (owner must be this user or root; group-writable is accepted only for the user's private
/// group); elsewhere it is tested by setting the directory's mode to what it already is, which only its owner (or
/// root) can do.
/// </remarks>
internal sealed class FileSessionCache : ISecondLevelCache
{
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode WritableByOthers = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    /// <summary>Refusals already logged (once per directory and reason).</summary>
    private static readonly ConcurrentDictionary<(string, string), bool> s_loggedRefusals = new();

    private readonly string? _awsCliName;
    private readonly SecondLevelGuard _guard;
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
        _logger = logger;
    }

    public string Level => TelemetryNames.FileLevel;

    public string Directory { get; }

    /// <summary>Whether entries are named the AWS CLI's way (shared with <c>aws --profile</c>).</summary>
    public bool UsesAwsCliNames => _awsCliName is not null;

    public static string ExpandHome(string directory) =>
        directory.StartsWith('~')
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), directory.TrimStart('~').TrimStart('/', '\\'))
            : directory;

    public string? NameOf(string? key) => _awsCliName ?? key?.ToLowerInvariant();

    public string PathOf(string name) => Path.Combine(Directory, name + ".json");

    public async Task<StsCredentials?> ReadAsync(string name, CancellationToken cancellationToken)
    {
        if (!System.IO.Directory.Exists(Directory) || !IsTrustedDirectory())
        {
            return null;
        }

        var path = PathOf(name);
        var (bytes, refusal) = await _guard.RunAsync(ct => ReadEntryAsync(path, ct), cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
        {
            throw new RefusedEntryException(refusal);
        }

        return bytes is null
            ? null
            : CachedSessionDocument.Deserialize(bytes) ?? throw new RefusedEntryException("it is not a session document");
    }

    public Task WriteInBackground(string name, StsCredentials credentials, DateTimeOffset issuedAt, Func<TimeSpan> timeToLive, Action<Exception> onFailure) =>
        _guard.RunInBackground(ct => WriteEntryAsync(PathOf(name), CachedSessionDocument.Serialize(credentials, issuedAt), ct), onFailure);

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

        if (s_loggedRefusals.TryAdd((Directory, refusal), true))
        {
            Log.FileCacheRefused(_logger, Directory, refusal);
        }

        return false;
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
            // OpenSSH's rule for ~/.ssh: owned by the user or root; group-writable only through the user's own private
            // group (Debian/Ubuntu give every user one, and botocore creates ~/.aws/cli/cache under umask 002).
            if (status.IsSymbolicLink)
            {
                return "it is a symbolic link";
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
}
