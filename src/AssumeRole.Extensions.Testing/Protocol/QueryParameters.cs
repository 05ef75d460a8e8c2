using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace AssumeRole.Extensions.Testing.Protocol;

/// <summary>
/// The parameters of an AWS Query request, with the protocol's list encodings: <c>Name.member.N</c> for scalars,
/// <c>Name.member.N.Field</c> for structures, and <c>Name=</c> for an empty list.
/// </summary>
internal sealed class QueryParameters
{
    private readonly Dictionary<string, StringValues> _values;

    private QueryParameters(Dictionary<string, StringValues> values) => _values = values;

    public static QueryParameters Parse(string formEncoded)
    {
        // FormReader decodes '+' as a space, as application/x-www-form-urlencoded requires.
        using var reader = new FormReader(formEncoded);
        return new QueryParameters(reader.ReadForm());
    }

    /// <summary>The parameter's value; when it is repeated, the first occurrence wins, as in STS.</summary>
    public string? Get(string name) => _values.TryGetValue(name, out var value) ? First(value) : null;

    public bool Contains(string name) => _values.ContainsKey(name);

    /// <summary>Reads <c>Name.member.N</c>; <see langword="null"/> when the list is absent, empty for <c>Name=</c>.</summary>
    public IReadOnlyList<string>? GetList(string name)
    {
        var prefix = name + ".member.";
        var items = new SortedDictionary<int, string>();
        foreach (var (key, value) in _values)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal) &&
                int.TryParse(key.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                items[index] = First(value);
            }
        }

        if (items.Count > 0)
        {
            return [.. items.Values];
        }

        return _values.ContainsKey(name) ? [] : null;
    }

    /// <summary>Reads <c>Name.member.N.Field</c> into one dictionary per member, in index order.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>>? GetStructureList(string name)
    {
        var prefix = name + ".member.";
        var items = new SortedDictionary<int, Dictionary<string, string>>();
        foreach (var (key, value) in _values)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = key.AsSpan(prefix.Length);
            var dot = rest.IndexOf('.');
            if (dot <= 0 || !int.TryParse(rest[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                continue;
            }

            if (!items.TryGetValue(index, out var fields))
            {
                fields = new Dictionary<string, string>(StringComparer.Ordinal);
                items[index] = fields;
            }

            fields[rest[(dot + 1)..].ToString()] = First(value);
        }

        if (items.Count > 0)
        {
            return [.. items.Values];
        }

        return _values.ContainsKey(name) ? [] : null;
    }

    /// <summary>A repeated parameter arrives as several values; STS reads the first (the form reader would join them with commas).</summary>
    private static string First(StringValues value) => value.Count > 0 ? value[0] ?? string.Empty : string.Empty;
}
