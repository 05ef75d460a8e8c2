using System.Globalization;
using System.Text.RegularExpressions;
using AssumeRole.Extensions.Testing.Protocol;

namespace AssumeRole.Extensions.Testing.Actions;

/// <summary>
/// Collects model-constraint failures and reports them in AWS's form:
/// <c>N validation error(s) detected: Value 'x' at 'field' failed to satisfy constraint: Member must …; …</c>.
/// </summary>
internal sealed class ValidationErrors
{
    private readonly List<string> _errors = [];

    public void Add(string field, string? value, string constraint) =>
        _errors.Add($"Value {(value is null ? "null" : $"'{value}'")} at '{field}' failed to satisfy constraint: Member must {constraint}");

    public void Required(string field, string? value)
    {
        if (value is null)
        {
            Add(field, null, "not be null");
        }
    }

    public void Length(string field, string? value, int min, int max)
    {
        if (value is null)
        {
            return;
        }

        if (value.Length < min)
        {
            Add(field, value, string.Create(CultureInfo.InvariantCulture, $"have length greater than or equal to {min}"));
        }
        else if (value.Length > max)
        {
            Add(field, value, string.Create(CultureInfo.InvariantCulture, $"have length less than or equal to {max}"));
        }
    }

    public void Pattern(string field, string? value, Regex regex, string patternText)
    {
        if (value is not null && !regex.IsMatch(value))
        {
            Add(field, value, $"satisfy regular expression pattern: {patternText}");
        }
    }

    public void Pattern(string field, string? value, Func<string, bool> matches, string patternText)
    {
        if (value is not null && !matches(value))
        {
            Add(field, value, $"satisfy regular expression pattern: {patternText}");
        }
    }

    public void Range(string field, int? value, int min, int max)
    {
        if (value is not { } number)
        {
            return;
        }

        var text = number.ToString(CultureInfo.InvariantCulture);
        if (number < min)
        {
            Add(field, text, string.Create(CultureInfo.InvariantCulture, $"have value greater than or equal to {min}"));
        }
        else if (number > max)
        {
            Add(field, text, string.Create(CultureInfo.InvariantCulture, $"have value less than or equal to {max}"));
        }
    }

    public void Count<T>(string field, IReadOnlyList<T>? items, int min, int max, Func<T, string> render)
    {
        if (items is null)
        {
            return;
        }

        var value = "[" + string.Join(", ", items.Select(render)) + "]";
        if (items.Count < min)
        {
            Add(field, value, string.Create(CultureInfo.InvariantCulture, $"have length greater than or equal to {min}"));
        }
        else if (items.Count > max)
        {
            Add(field, value, string.Create(CultureInfo.InvariantCulture, $"have length less than or equal to {max}"));
        }
    }

    public void ThrowIfAny()
    {
        if (_errors.Count == 0)
        {
            return;
        }

        var count = _errors.Count.ToString(CultureInfo.InvariantCulture);
        var noun = _errors.Count == 1 ? "error" : "errors";
        throw StsErrors.Validation($"{count} validation {noun} detected: {string.Join("; ", _errors)}");
    }
}
