using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Validation;
using Microsoft.Extensions.Logging;

namespace AssumeRole.Extensions.Refresh;

/// <summary>
/// Turns options into the ordered hops of a chain and applies STS's chaining cap: a hop whose source is a role session
/// (every hop after the first, and the first when the source is itself a role session) may last at most 3600 s.
/// </summary>
internal static class ChainPlanner
{
    public static List<HopSpec> Plan(AssumeRoleOptions options, bool sourceIsRoleSession, ILogger logger)
    {
        var raw = (options.Chain ?? []).Append(options).ToList();
        var hops = new List<HopSpec>(raw.Count);
        for (var i = 0; i < raw.Count; i++)
        {
            var hop = raw[i];
            var chained = i > 0 || sourceIsRoleSession;
            var duration = hop.DurationSeconds;
            if (chained && duration > AssumeRoleOptionsValidator.ChainedMaxDuration)
            {
                if (options.StrictChainDurations)
                {
                    throw new ArgumentException(
                        $"Invalid AssumeRole options: hop {i + 1} of {raw.Count} ({hop.RoleArn}) asks for DurationSeconds {duration} but is a chained hop, "
                        + $"which STS caps at {AssumeRoleOptionsValidator.ChainedMaxDuration} s (StrictChainDurations is on).",
                        nameof(options));
                }

                Log.DurationClamped(logger, hop.RoleArn!, i + 1, duration.Value, AssumeRoleOptionsValidator.ChainedMaxDuration);
                duration = AssumeRoleOptionsValidator.ChainedMaxDuration;
            }

            hops.Add(new HopSpec(hop, options, i, raw.Count, duration));
        }

        return hops;
    }
}
