using AssumeRole.Extensions.Validation;

namespace AssumeRole.Extensions.Refresh;

/// <summary>
/// Turns options into the ordered hops of a chain and applies STS's chaining cap: a hop whose source is a role session
/// (every hop after the first, and the first when the source is itself a role session) may last at most 3600 s.
/// </summary>
internal static class ChainPlanner
{
    /// <param name="options">The registration.</param>
    /// <param name="sourceIsRoleSession">Whether the first AssumeRole hop's source is a role session.</param>
    /// <param name="firstHops">
    /// Hops before the AssumeRole hops (a web identity or session token hop): they count in hop numbers, and make every
    /// AssumeRole hop chained.
    /// </param>
    public static List<HopSpec> Plan(AssumeRoleOptions options, bool sourceIsRoleSession, int firstHops = 0)
    {
        var raw = (options.Chain ?? []).Append(options).ToList();
        var hops = new List<HopSpec>(raw.Count);
        var count = raw.Count + firstHops;
        for (var i = 0; i < raw.Count; i++)
        {
            var hop = raw[i];
            var number = i + 1 + firstHops;
            var chained = i > 0 || sourceIsRoleSession || firstHops > 0;
            var duration = hop.DurationSeconds;
            int? clampedFrom = null;
            if (chained && duration > AssumeRoleOptionsValidator.ChainedMaxDuration)
            {
                if (options.StrictChainDurations)
                {
                    throw new ArgumentException(
                        $"Invalid AssumeRole options: hop {number} of {count} ({hop.RoleArn}) asks for DurationSeconds {duration} but is a chained hop, "
                        + $"which STS caps at {AssumeRoleOptionsValidator.ChainedMaxDuration} s (StrictChainDurations is on).",
                        nameof(options));
                }

                // Not logged here: every provider of the chain plans it, but the warning is due once per session (see
                // AssumeRoleCredentials, which logs it when the hop's session is created).
                clampedFrom = duration;
                duration = AssumeRoleOptionsValidator.ChainedMaxDuration;
            }

            hops.Add(new HopSpec(hop, options, i + firstHops, count, duration) { ClampedFromSeconds = clampedFrom, Chained = chained });
        }

        return hops;
    }
}
