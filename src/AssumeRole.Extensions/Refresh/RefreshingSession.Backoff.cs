namespace AssumeRole.Extensions.Refresh;

/// <content>Backoff after failed refreshes.</content>
internal sealed partial class RefreshingSession
{
    private int _failures;
    private long _nextAttemptAtMs;

    /// <summary>
    /// Delay before the next attempt after <paramref name="failures"/> consecutive failures: 30 s doubling to at most
    /// 5 min, stretched by up to 25 % of jitter (never shortened, so that an outage costs no more calls than the
    /// schedule says), and capped by half the time left before the mandatory window so that several tries still fit
    /// before callers would have to wait. Never below one second.
    /// </summary>
    internal long NextBackoffMs(int failures, SessionState? state, long now)
    {
        var exponent = Math.Min(failures - 1, 16);
        var baseMs = Math.Min(
            AssumeRoleDefaults.BackoffBase.TotalMilliseconds * Math.Pow(2, exponent),
            AssumeRoleDefaults.BackoffMax.TotalMilliseconds);
        var delay = baseMs * (1 + (0.25 * _settings.Random()));
        if (state is not null && now < state.MandatoryAtMs)
        {
            delay = Math.Min(delay, (state.MandatoryAtMs - now) / 2.0);
        }

        return (long)Math.Max(delay, AssumeRoleDefaults.BackoffFloor.TotalMilliseconds);
    }
}
