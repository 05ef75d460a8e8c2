using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace AssumeRole.Extensions.Caching;

/// <summary>
/// Files opened relative to a directory handle (<c>openat</c>, <c>renameat</c>, <c>unlinkat</c>) and never through a
/// symbolic link (<c>O_NOFOLLOW</c>), so that what was checked is what is read or written: a directory or entry
/// swapped by path after the check is not reached. Linux only (the flag values below are Linux's); elsewhere
/// <see cref="IsSupported"/> is <see langword="false"/> and the file cache checks by path.
/// </summary>
internal static partial class UnixFiles
{
    public const int NoSuchFile = 2;      // ENOENT
    public const int FileExists = 17;     // EEXIST
    public const int NotADirectory = 20;  // ENOTDIR
    public const int TooManyLinks = 40;   // ELOOP: O_NOFOLLOW met a symbolic link
    public const int NotPermitted = 1;    // EPERM
    public const int NoSuchDevice = 6;    // ENXIO: a socket, or a FIFO without a writer
    public const int AccessDenied = 13;   // EACCES
    public const int NoDevice = 19;       // ENODEV: a device file without a driver
    public const int Overflow = 75;       // EOVERFLOW

    private const int ReadOnly = 0;
    private const int WriteOnly = 1;
    private const int Create = 0x40;
    private const int Exclusive = 0x80;
    private const int NonBlocking = 0x800;
    private const int CloseOnExec = 0x80000;

    // O_DIRECTORY and O_NOFOLLOW are the two flags whose values differ between Linux architectures.
    private static readonly (int Directory, int NoFollow)? s_flags = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 or Architecture.X86 => (0x10000, 0x20000),
        Architecture.Arm64 or Architecture.Arm => (0x4000, 0x8000),
        _ => null,
    };

    /// <summary>Whether files are opened relative to checked directory handles here (Linux on x86/x64/ARM, with <c>statx</c>).</summary>
    public static bool IsSupported { get; } = OperatingSystem.IsLinux() && s_flags is not null && UnixFileStatus.EffectiveUserId is not null && Probe();

    /// <summary>Opens <paramref name="path"/> as a directory, not through a link in its last component; <see langword="null"/> and the errno when it cannot.</summary>
    public static SafeFileHandle? OpenDirectory(string path, out int errno) =>
        Result(Open(path, ReadOnly | s_flags!.Value.Directory | s_flags.Value.NoFollow | CloseOnExec, 0), out errno);

    /// <summary>
    /// Opens <paramref name="name"/> in <paramref name="directory"/> for reading, not through a link, and without
    /// blocking on a FIFO (the caller checks that it is a regular file before reading).
    /// </summary>
    public static SafeFileHandle? OpenForReading(SafeFileHandle directory, string name, out int errno) =>
        Result(OpenAt(directory, name, ReadOnly | s_flags!.Value.NoFollow | NonBlocking | CloseOnExec, 0), out errno);

    /// <summary>Creates <paramref name="name"/> in <paramref name="directory"/>, failing if anything (a link included) has that name.</summary>
    public static SafeFileHandle? CreateNew(SafeFileHandle directory, string name, UnixFileMode mode, out int errno) =>
        Result(OpenAt(directory, name, WriteOnly | Create | Exclusive | s_flags!.Value.NoFollow | CloseOnExec, (int)mode), out errno);

    /// <summary>Renames <paramref name="from"/> over <paramref name="to"/> within <paramref name="directory"/> (atomic; a link at <paramref name="to"/> is replaced, not followed); 0 or the errno.</summary>
    public static int Rename(SafeFileHandle directory, string from, string to) =>
        RenameAt(directory, from, directory, to) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>Removes <paramref name="name"/> from <paramref name="directory"/>, if it is there.</summary>
    public static void Delete(SafeFileHandle directory, string name) => _ = UnlinkAt(directory, name, 0);

    private static SafeFileHandle? Result(SafeFileHandle handle, out int errno)
    {
        if (handle.IsInvalid)
        {
            errno = Marshal.GetLastPInvokeError();
            handle.Dispose();
            return null;
        }

        errno = 0;
        return handle;
    }

    /// <summary>Whether the C library has the calls (a sandbox or an unusual libc may not).</summary>
    private static bool Probe()
    {
        try
        {
            using var root = OpenDirectory("/", out _);
            return root is not null && UnixFileStatus.Get(root) is { IsDirectory: true };
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    // open and openat are variadic in C (the mode); on Linux's x64 and ARM calling conventions a variadic int is passed
    // like a fixed one, so the mode is always passed (and ignored without O_CREAT).
    [LibraryImport("libc.so.6", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial SafeFileHandle Open(string path, int flags, int mode);

    [LibraryImport("libc.so.6", EntryPoint = "openat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial SafeFileHandle OpenAt(SafeFileHandle directory, string path, int flags, int mode);

    [LibraryImport("libc.so.6", EntryPoint = "renameat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int RenameAt(SafeFileHandle fromDirectory, string from, SafeFileHandle toDirectory, string to);

    [LibraryImport("libc.so.6", EntryPoint = "unlinkat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int UnlinkAt(SafeFileHandle directory, string path, int flags);
}
