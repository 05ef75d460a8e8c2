using AssumeRole.Extensions.Sts;

namespace AssumeRole.Extensions.Caching;

/// <summary>
/// Sessions as files in the AWS CLI's cache format, for developer machines: one file per session key, written
/// atomically (temporary file, then rename) with mode 0600 in a 0700 directory, so a crash never leaves half a file
/// and no other user can read it.
/// </summary>
internal sealed class FileSessionCache : ISecondLevelCache
{
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly TimeProvider _timeProvider;

    public FileSessionCache(string directory, TimeProvider timeProvider)
    {
        Directory = ExpandHome(directory);
        _timeProvider = timeProvider;
    }

    public string Level => "file";

    public string Directory { get; }

    public async Task<StsCredentials?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        if (!File.Exists(path))
        {
            return null;
        }

        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        var value = CachedSessionDocument.Deserialize(bytes);
        return value is not null && value.ExpirationUtc > _timeProvider.GetUtcNow().UtcDateTime ? value : null;
    }

    public async Task SetAsync(string key, StsCredentials credentials, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(Directory);
        }
        else
        {
            System.IO.Directory.CreateDirectory(Directory, OwnerOnlyDirectory);
        }

        var path = PathOf(key);
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
                await stream.WriteAsync(CachedSessionDocument.Serialize(credentials), cancellationToken).ConfigureAwait(false);
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

    public string PathOf(string key) => Path.Combine(Directory, key.ToLowerInvariant() + ".json");

    private static string ExpandHome(string directory) =>
        directory.StartsWith('~')
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), directory.TrimStart('~').TrimStart('/', '\\'))
            : directory;
}
