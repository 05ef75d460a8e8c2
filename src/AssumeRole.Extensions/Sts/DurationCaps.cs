using System.Collections.Concurrent;

namespace AssumeRole.Extensions.Sts;

/// <summary>
/// Durations STS refused, remembered per role ARN for the process, so that only the first refresh of a role pays the
/// extra call of a downgrade.
/// </summary>
internal sealed class DurationCaps
{
    private readonly ConcurrentDictionary<string, int> _caps = new(StringComparer.Ordinal);

    public static DurationCaps Shared { get; } = new();

    public int? Apply(string roleArn, int? requested) =>
        requested is { } r && _caps.TryGetValue(roleArn, out var cap) && r > cap ? cap : requested;

    public void Learn(string roleArn, int cap) => _caps.AddOrUpdate(roleArn, cap, (_, old) => Math.Min(old, cap));

    public int? CapOf(string roleArn) => _caps.TryGetValue(roleArn, out var cap) ? cap : null;
}
