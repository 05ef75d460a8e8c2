using System.Globalization;
using AssumeRole.Extensions.Validation;
using Microsoft.Extensions.Configuration;

namespace AssumeRole.Extensions.Binding;

/// <summary>
/// The keys of one configuration section that hold a null or empty value, applied as the reflection binder applies
/// them, which the generated binder does not: it leaves a property unchanged for a null value, and for an empty value of
/// a value type. The reflection binder (Microsoft.Extensions.Configuration.Binder 10) sets the property to its default
/// for a null value (a JSON <c>null</c>), to <see langword="null"/> for an empty value of a nullable type, and fails for an
/// empty value of a non-nullable value type. Keys are matched case-insensitively, as configuration keys are.
/// </summary>
internal sealed class ConfigurationValues
{
    // A configuration path in a message: whole for any real path, escaped and cut for a hostile key (a tag key is
    // user data, and a path ends in it).
    private const int MaxShownPathCharacters = 256;

    private readonly IConfiguration _section;
    private readonly Dictionary<string, string?> _values = new(StringComparer.OrdinalIgnoreCase);

    public ConfigurationValues(IConfiguration section)
    {
        _section = section;
        foreach (var child in section.GetChildren())
        {
            // Only keys without children: a section with children is an object or a list, never a null value.
            if (child.Value is { Length: 0 } || (child.Value is null && !child.GetChildren().Any()))
            {
                _values[child.Key] = child.Value;
            }
        }
    }

    /// <summary>A string: <see langword="null"/> for a null value (an empty one is bound as it is).</summary>
    public string? String(string key, string? current) =>
        _values.TryGetValue(key, out var value) && value is null ? null : current;

    /// <summary>A nullable value type: <see langword="null"/> for a null or empty value.</summary>
    public T? Nullable<T>(string key, T? current)
        where T : struct =>
        _values.ContainsKey(key) ? null : current;

    /// <summary>A value type: its default for a null value; an empty value cannot be converted.</summary>
    public T Value<T>(string key, T current)
        where T : struct
    {
        if (!_values.TryGetValue(key, out var value))
        {
            return current;
        }

        if (value is null)
        {
            return default;
        }

        var path = _section is IConfigurationSection s ? ConfigurationPath.Combine(s.Path, key) : key;
        throw new InvalidOperationException(
            string.Create(CultureInfo.InvariantCulture, $"Failed to convert configuration value at {SafeText.QuoteUpTo(path, MaxShownPathCharacters)} to type '{typeof(T)}'."),
            new FormatException("The value is empty."));
    }

    /// <summary>An object: <see langword="null"/> for a null value.</summary>
    public T? Object<T>(string key, T? current)
        where T : class =>
        _values.TryGetValue(key, out var value) && value is null ? null : current;

    /// <summary>
    /// Fails for an entry of the list or dictionary <paramref name="key"/> that holds a null value (<c>"PolicyArns": [ null ]</c>,
    /// <c>"Tags": { "team": null }</c>). The generated binder drops such an entry without a word, which turns a mistake
    /// into other settings: a dropped session policy ARN widens the session, a dropped tag changes what the trust policy
    /// sees. The reflection binder kept the null and validation refused it; this refuses it at binding, naming the key.
    /// </summary>
    public void RejectNullEntries(string key)
    {
        foreach (var child in _section.GetSection(key).GetChildren())
        {
            if (child.Value is null && !child.GetChildren().Any())
            {
                throw new InvalidOperationException(
                    $"The configuration value at {SafeText.QuoteUpTo(child.Path, MaxShownPathCharacters)} is null: every entry of {key} needs a value (an empty string where STS allows one).");
            }
        }
    }

    /// <summary>The values of a child section (for an object bound in place).</summary>
    public ConfigurationValues Child(string key) => new(_section.GetSection(key));
}
