using System.Collections.Concurrent;

namespace AssumeRole.Extensions.Sts;

/// <summary>
/// Durations STS refused, remembered for the process per (role ARN, chained or not), so that only the first refresh of
/// a role pays the extra call of a downgrade.
/// </summary>
/// <remarks>
/// Chained and direct uses of a role are remembered apart: the one-hour chaining limit says nothing about what the role
/// allows a direct caller (its MaxSessionDuration may be 12 hours). Bounded like the session cache: beyond
/// <see cref="MaxEntries"/> the least recently used tenth is forgotten (which costs a forgotten role one extra STS
/// call), so that a multi-tenant service's stream of tenant roles cannot grow it for ever.
/// </remarks>
internal sealed class DurationCaps
{
    private readonly ConcurrentDictionary<(string RoleArn, bool Chained), Entry> _caps = new();
    private readonly object _trimGate = new();
    private long _uses;

    public DurationCaps(int maxEntries = AssumeRoleDefaults.MaxCachedSessions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        MaxEntries = maxEntries;
    }

    public static DurationCaps Shared { get; } = new();

    public int MaxEntries { get; }

    public int Count => _caps.Count;

    public int? Apply(string roleArn, bool chained, int? requested)
    {
        if (requested is not { } r || !_caps.TryGetValue((roleArn, chained), out var entry))
        {
            return requested;
        }

        entry.LastUse = Interlocked.Increment(ref _uses);
        return r > entry.Cap ? entry.Cap : requested;
    }

    public void Learn(string roleArn, bool chained, int cap)
    {
        var use = Interlocked.Increment(ref _uses);
        _caps.AddOrUpdate((roleArn, chained), static (_, a) => new Entry(a.Cap, a.Use), static (_, old, a) => new Entry(Math.Min(old.Cap, a.Cap), a.Use), (Cap: cap, Use: use));
        if (_caps.Count > MaxEntries)
        {
            Trim();
        }
    }

    public int? CapOf(string roleArn, bool chained) => _caps.TryGetValue((roleArn, chained), out var entry) ? entry.Cap : null;

    /// <summary>
    /// Remembers that STS called assuming a role from <paramref name="sourcePrincipal"/> role chaining although the
    /// planner did not know it: every session from that source, of any role, is then capped at one hour from its first
    /// call instead of learning it again by failing once. Kept in the same bounded map (under a key no role ARN has).
    /// </summary>
    public void LearnRoleSessionSource(string sourcePrincipal) =>
        Learn(SourceKey(sourcePrincipal), chained: true, Validation.AssumeRoleOptionsValidator.ChainedMaxDuration);

    /// <summary>Whether <see cref="LearnRoleSessionSource"/> was told about <paramref name="sourcePrincipal"/> (and it is still remembered).</summary>
    public bool IsRoleSessionSource(string sourcePrincipal)
    {
        if (!_caps.TryGetValue((SourceKey(sourcePrincipal), true), out var entry))
        {
            return false;
        }

        entry.LastUse = Interlocked.Increment(ref _uses);
        return true;
    }

    private static string SourceKey(string sourcePrincipal) => "source " + sourcePrincipal;

    private void Trim()
    {
        lock (_trimGate)
        {
            var excess = _caps.Count - MaxEntries;
            if (excess <= 0)
            {
                return;
            }

            var slack = Math.Max(1, MaxEntries / 10);
            foreach (var (key, _) in _caps.OrderBy(e => e.Value.LastUse).Take(excess + slack).ToList())
            {
                _caps.TryRemove(key, out _);
            }
        }
    }

    private sealed class Entry(int cap, long lastUse)
    {
        private long _lastUse = lastUse;

        public int Cap { get; } = cap;

        public long LastUse
        {
            get => Volatile.Read(ref _lastUse);
            set => Volatile.Write(ref _lastUse, value);
        }
    }
}
