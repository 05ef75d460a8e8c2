namespace AssumeRole.Extensions.Refresh;

/// <summary>The engine settings of one session, fixed at construction.</summary>
/// <param name="AdvisoryWindow">Fixed advisory window, or <see langword="null"/> to derive it from the lifetime.</param>
/// <param name="MandatoryWindow">The mandatory window.</param>
/// <param name="Random">Uniform [0, 1) source for jitter; injectable so tests can pin it.</param>
internal sealed record SessionSettings(TimeSpan? AdvisoryWindow, TimeSpan MandatoryWindow, Func<double> Random)
{
    private static readonly Func<double> s_sharedRandom = System.Random.Shared.NextDouble;

    /// <summary>The settings of every session with default windows, shared so a tenant session carries no copy.</summary>
    private static readonly SessionSettings s_default = new(null, AssumeRoleDefaults.MandatoryRefreshWindow, s_sharedRandom);

    public static SessionSettings From(AssumeRoleOptions options, Func<double>? random = null) =>
        random is null && options.AdvisoryRefreshWindow is null && options.MandatoryRefreshWindow is null
            ? s_default
            : new(options.AdvisoryRefreshWindow, options.MandatoryRefreshWindow ?? AssumeRoleDefaults.MandatoryRefreshWindow, random ?? s_sharedRandom);
}
