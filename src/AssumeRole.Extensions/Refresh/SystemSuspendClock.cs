using System.Runtime.InteropServices;

namespace AssumeRole.Extensions.Refresh;

/// <summary>
/// A clock that keeps counting while the machine sleeps, to compare with <see cref="Environment.TickCount64"/>, which
/// does not on Linux and macOS (it stops during suspend and while a VM is paused). Linux: <c>CLOCK_BOOTTIME</c>;
/// macOS: <c>CLOCK_MONOTONIC</c> (which, unlike Linux's, includes sleep); Windows: none is needed
/// (<c>GetTickCount64</c> includes sleep); elsewhere none. BOOTTIME and macOS's MONOTONIC never step. None of them
/// counts a VM pause: <see cref="SuspendMonitor"/> also compares them with the wall clock (<see cref="WallMs"/>).
/// </summary>
internal static class SystemSuspendClock
{
    private const int LinuxClockBoottime = 7;
    private const int MacClockMonotonic = 6;

    /// <summary>
    /// Milliseconds on the suspend-including clock, or <see langword="null"/> when the platform needs none (Windows) or
    /// has none (the wall clock alone then stands in for it). The origin is arbitrary; only differences matter.
    /// </summary>
    public static Func<long>? Reader { get; } = CreateReader();

    /// <summary>What <see cref="Reader"/> reads, for logs and docs.</summary>
    public static string Name { get; } =
        OperatingSystem.IsLinux() ? "CLOCK_BOOTTIME"
        : OperatingSystem.IsMacOS() ? "CLOCK_MONOTONIC"
        : OperatingSystem.IsWindows() ? "none (GetTickCount64 includes sleep)"
        : "none";

    private static Func<long>? CreateReader()
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        var id = OperatingSystem.IsLinux() ? LinuxClockBoottime : OperatingSystem.IsMacOS() ? MacClockMonotonic : -1;
        if (id >= 0 && TryRead(id, out _))
        {
            return () => TryRead(id, out var ms) ? ms : WallMs();
        }

        return null;
    }

    /// <summary>The system wall clock in milliseconds (Unix epoch).</summary>
    public static long WallMs() => TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();

    private static bool TryRead(int clockId, out long milliseconds)
    {
        try
        {
            if (NativeMethods.ClockGetTime(clockId, out var ts) == 0)
            {
                milliseconds = ((long)ts.Seconds * 1000) + ((long)ts.Nanoseconds / 1_000_000);
                return true;
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // No libc clock_gettime (an unusual runtime): the wall clock will do.
        }

        milliseconds = 0;
        return false;
    }

    private static class NativeMethods
    {
        // struct timespec { time_t tv_sec; long tv_nsec; }: both are the platform's long, i.e. pointer-sized on the
        // LP64 and ILP32 Unix ABIs .NET runs on.
        [StructLayout(LayoutKind.Sequential)]
        public struct Timespec
        {
            public nint Seconds;
            public nint Nanoseconds;
        }

        [DllImport("libc", EntryPoint = "clock_gettime", ExactSpelling = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int ClockGetTime(int clockId, out Timespec time);
    }
}
