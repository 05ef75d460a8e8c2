namespace AssumeRole.Extensions.Refresh;

/// <summary>The engine settings of one session, fixed at construction.</summary>
/// <param name="AdvisoryWindow">Fixed advisory window, or <see langword="null"/> to derive it from the lifetime.</param>
/// <param name="MandatoryWindow">The mandatory window.</param>
/// <param name="Random">Uniform [0, 1) source for jitter; injectable so tests can pin it.</param>
/// <param name="StsRequestTimeout">
/// The bound of one STS request (<see cref="AssumeRoleOptions.StsRequestTimeout"/>); the engine needs it when it makes a
/// blocking request for a sync caller (see <see cref="Sts.SynchronousFetch"/>). <see langword="null"/>: the default.
/// </param>
/// <param name="MandatoryIsFloor">
/// Whether <paramref name="MandatoryWindow"/> was configured: then it is a hard floor that the other windows adapt
/// around, and a session too short for it fails instead of shrinking it. The default window shrinks for sessions
/// shorter than the windows (an emulator's 30-second sessions), as it always did.
/// </param>
internal sealed record SessionSettings(TimeSpan? AdvisoryWindow, TimeSpan MandatoryWindow, Func<double> Random, bool MandatoryIsFloor = false, TimeSpan? StsRequestTimeout = null)
{
    private static readonly Func<double> s_sharedRandom = System.Random.Shared.NextDouble;

    /// <summary>The settings of every session with default windows, shared so a tenant session carries no copy.</summary>
    private static readonly SessionSettings s_default = new(null, AssumeRoleDefaults.MandatoryRefreshWindow, s_sharedRandom);

    /// <summary>The bound of one STS request.</summary>
    public TimeSpan RequestTimeout => StsRequestTimeout ?? AssumeRoleDefaults.StsRequestTimeout;

    public static SessionSettings From(AssumeRoleOptions options, Func<double>? random = null) =>
        random is null && options.AdvisoryRefreshWindow is null && options.MandatoryRefreshWindow is null
            && options.StsRequestTimeout == AssumeRoleDefaults.StsRequestTimeout
            ? s_default
            : new(
                options.AdvisoryRefreshWindow,
                options.MandatoryRefreshWindow ?? AssumeRoleDefaults.MandatoryRefreshWindow,
                random ?? s_sharedRandom,
                MandatoryIsFloor: options.MandatoryRefreshWindow is not null,
                StsRequestTimeout: options.StsRequestTimeout);

    /// <summary>
    /// The advisory and mandatory windows of a session of lifetime <paramref name="lifetime"/>, in the order M &lt; A &lt; L.
    /// </summary>
    /// <remarks>
    /// A derived advisory window keeps at least the default headroom above M (the lifetime's default A minus the
    /// default M: 4, 14 or 59 minutes), but never more than half of what the lifetime leaves above M, so that the
    /// background refresh still has time to run (and retry) before callers would have to wait. A configured M is
    /// never shrunk: <paramref name="tooShort"/> is set when the lifetime does not exceed it. A default M, and a
    /// configured A that does not fit the lifetime, shrink as before (A = L / 2, M = A / 2): <paramref name="shrunk"/>.
    /// </remarks>
    public (TimeSpan Advisory, TimeSpan Mandatory) WindowsFor(TimeSpan lifetime, out bool shrunk, out bool tooShort)
    {
        shrunk = false;
        tooShort = false;
        var mandatory = MandatoryWindow;
        if (MandatoryIsFloor && mandatory >= lifetime)
        {
            tooShort = true;
            return (lifetime, mandatory);
        }

        TimeSpan advisory;
        if (AdvisoryWindow is { } configured)
        {
            advisory = configured;
        }
        else
        {
            var byLifetime = AssumeRoleDefaults.AdvisoryWindowFor(lifetime);
            var headroom = Min(byLifetime - AssumeRoleDefaults.MandatoryRefreshWindow, (lifetime - mandatory) / 2);
            advisory = Max(byLifetime, mandatory + Max(headroom, TimeSpan.Zero));
        }

        if (advisory >= lifetime || mandatory >= advisory)
        {
            shrunk = true;
            if (MandatoryIsFloor)
            {
                // M stays; A goes halfway between M and L.
                advisory = mandatory + ((lifetime - mandatory) / 2);
            }
            else
            {
                // A session shorter than the windows (a role's short lifetime, an emulator override): keep the order
                // M < A < L so that a fresh session is always servable and still refreshed before expiry.
                advisory = advisory >= lifetime ? lifetime / 2 : advisory;
                mandatory = mandatory >= advisory ? advisory / 2 : mandatory;
            }
        }

        return (advisory, mandatory);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
