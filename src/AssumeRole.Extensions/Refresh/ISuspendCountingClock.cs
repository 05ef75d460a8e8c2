namespace AssumeRole.Extensions.Refresh;

/// <summary>
/// Implemented by a <see cref="TimeProvider"/> that can also read a clock which keeps counting while the machine is
/// suspended and is never stepped (what <c>CLOCK_BOOTTIME</c> is to <see cref="TimeProvider.System"/> on Linux): the
/// suspend heartbeat then compares the monotonic clock with it instead of with the provider's wall clock, whose steps
/// (an administrator, NTP) would hide a suspend that happened in the same heartbeat. The deterministic simulation's
/// clock implements it, so that it runs the engine as it runs on Linux and macOS.
/// </summary>
internal interface ISuspendCountingClock
{
    /// <summary>Milliseconds on a clock that counts across suspends and never steps (any origin).</summary>
    long SuspendCountingMs { get; }
}
