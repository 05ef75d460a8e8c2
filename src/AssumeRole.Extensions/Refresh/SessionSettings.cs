namespace AssumeRole.Extensions.Refresh;

/// <summary>The engine settings of one session, fixed at construction.</summary>
/// <param name="AdvisoryWindow">Fixed advisory window, or <see langword="null"/> to derive it from the lifetime.</param>
/// <param name="MandatoryWindow">The mandatory window.</param>
/// <param name="Random">Uniform [0, 1) source for jitter; injectable so tests can pin it.</param>
internal sealed record SessionSettings(TimeSpan? AdvisoryWindow, TimeSpan MandatoryWindow, Func<double> Random)
{
    public static SessionSettings From(AssumeRoleOptions options, Func<double>? random = null) =>
        new(options.AdvisoryRefreshWindow, options.MandatoryRefreshWindow ?? AssumeRoleDefaults.MandatoryRefreshWindow, random ?? System.Random.Shared.NextDouble);
}
