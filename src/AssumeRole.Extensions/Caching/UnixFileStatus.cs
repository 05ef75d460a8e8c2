using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace AssumeRole.Extensions.Caching;

/// <summary>
/// Owner, group, mode and link count of a path (without following a link) or of an open file. The BCL exposes a file's
/// mode but not its owner, so on Linux this calls <c>statx</c>, whose buffer has the same layout on every architecture
/// (unlike <c>struct stat</c>).
/// </summary>
internal static partial class UnixFileStatus
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;
    private const uint StatxUidGidMode = 0x0001 | 0x0002 | 0x0004 | 0x0008 | 0x0010; // STATX_TYPE | MODE | NLINK | UID | GID

    /// <summary>The effective user id of this process, or <see langword="null"/> where it cannot be read.</summary>
    public static uint? EffectiveUserId { get; } = ReadEffectiveUserId();

    /// <summary>
    /// The status of <paramref name="path"/> (not of a link's target), or <see langword="null"/> when it cannot be
    /// read this way (not Linux, a C library without <c>statx</c>, a kernel or sandbox that refuses it).
    /// </summary>
    public static Status? Get(string path)
    {
        if (!OperatingSystem.IsLinux() || EffectiveUserId is null)
        {
            return null;
        }

        var buffer = new byte[256];
        try
        {
            if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
            {
                return null;
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }

        return Parse(buffer);
    }

    /// <summary>
    /// The status of the file <paramref name="handle"/> has open (what was opened, whatever its path names now), or
    /// <see langword="null"/> when it cannot be read this way.
    /// </summary>
    public static Status? Get(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux() || EffectiveUserId is null)
        {
            return null;
        }

        var buffer = new byte[256];
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (Statx((int)handle.DangerousGetHandle(), string.Empty, AtEmptyPath | AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
            {
                return null;
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }

        return Parse(buffer);
    }

    private static Status? Parse(byte[] buffer)
    {
        // struct statx: stx_mask u32 @0, stx_nlink u32 @16, stx_uid u32 @20, stx_gid u32 @24, stx_mode u16 @28 (native
        // byte order).
        var mask = MemoryMarshal.Read<uint>(buffer);
        if ((mask & StatxUidGidMode) != StatxUidGidMode)
        {
            return null;
        }

        return new Status(MemoryMarshal.Read<uint>(buffer.AsSpan(20)), MemoryMarshal.Read<uint>(buffer.AsSpan(24)), MemoryMarshal.Read<ushort>(buffer.AsSpan(28)))
        {
            Links = MemoryMarshal.Read<uint>(buffer.AsSpan(16)),
        };
    }

    private static uint? ReadEffectiveUserId()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            return GetEffectiveUserId();
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directoryDescriptor, string path, int flags, uint mask, [Out] byte[] buffer);

    [LibraryImport("libc.so.6", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    /// <summary>What <c>statx</c> reported.</summary>
    /// <param name="UserId">The owner's user id.</param>
    /// <param name="GroupId">The group's id.</param>
    /// <param name="Mode">File type and permission bits.</param>
    internal readonly record struct Status(uint UserId, uint GroupId, int Mode)
    {
        /// <summary>Gets the number of hard links to the file.</summary>
        public uint Links { get; init; } = 1;

        /// <summary>Gets a value indicating whether the path is a symbolic link.</summary>
        public bool IsSymbolicLink => (Mode & 0xF000) == 0xA000;

        /// <summary>Gets a value indicating whether the file is a directory.</summary>
        public bool IsDirectory => (Mode & 0xF000) == 0x4000;

        /// <summary>Gets a value indicating whether the file is a regular file (not a directory, link, FIFO, socket or device).</summary>
        public bool IsRegularFile => (Mode & 0xF000) == 0x8000;
    }
}
