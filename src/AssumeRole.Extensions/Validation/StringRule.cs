using System.Globalization;
using System.Text;

namespace AssumeRole.Extensions.Validation;

/// <summary>
/// One row of STS's input table for a string field: length (UTF-16 code units), allowed characters, and an optional
/// check of the whole value (ARN shape, JSON). <see cref="Check"/> names the field, shows the value at most once
/// (quoted, escaped, cut: <see cref="SafeText"/>) or, for a secret, only its length, and says which rule broke.
/// </summary>
/// <param name="Field">The option's name, as messages show it.</param>
/// <param name="Min">The least length.</param>
/// <param name="Max">The greatest length.</param>
/// <param name="Rule">The allowed form, as messages and the README show it.</param>
/// <param name="Secret">Whether the value must never appear in a message.</param>
/// <param name="CharAllowed">The allowed characters (per UTF-16 code unit), or <see langword="null"/> for any.</param>
/// <param name="Shape">A check of the whole value: <see langword="null"/> when it passes, else what is wrong.</param>
/// <param name="RuneAllowed">The allowed characters per code point, for the Unicode patterns (tags).</param>
internal sealed record StringRule(
    string Field,
    int Min,
    int Max,
    string Rule,
    bool Secret,
    Func<char, bool>? CharAllowed,
    Func<string, string?>? Shape,
    Func<Rune, bool>? RuneAllowed = null)
{
    /// <summary>True when <paramref name="value"/> satisfies the rule.</summary>
    public bool IsValid(string value) => Problem(value) is null;

    /// <summary>
    /// <see langword="null"/> when <paramref name="value"/> is valid, else one message:
    /// <c>{field} {value}: {problem}; expected {rule}.</c> <paramref name="field"/> defaults to <see cref="Field"/>.
    /// </summary>
    public string? Check(string? value, string? field = null)
    {
        if (value is null)
        {
            return null;
        }

        var problem = Problem(value);
        if (problem is null)
        {
            return null;
        }

        var shown = Secret
            ? string.Create(CultureInfo.InvariantCulture, $"(secret, {value.Length} characters, not shown)")
            : SafeText.Quote(value);
        return string.Create(CultureInfo.InvariantCulture, $"{field ?? Field} {shown}: {problem}; expected {Describe()}.");
    }

    /// <summary>The rule as the README's table and messages state it.</summary>
    public string Describe() => Min == Max
        ? string.Create(CultureInfo.InvariantCulture, $"{Rule}, exactly {Min} characters")
        : string.Create(CultureInfo.InvariantCulture, $"{Rule}, {Min}–{Max} characters");

    private string? Problem(string value)
    {
        if (value.Length < Min)
        {
            return string.Create(CultureInfo.InvariantCulture, $"has {value.Length} characters, fewer than {Min}");
        }

        if (value.Length > Max)
        {
            return string.Create(CultureInfo.InvariantCulture, $"has {value.Length} characters, more than {Max}");
        }

        for (var i = 0; i < value.Length;)
        {
            var used = 1;
            bool allowed;
            if (RuneAllowed is not null)
            {
                allowed = Rune.DecodeFromUtf16(value.AsSpan(i), out var rune, out used) == System.Buffers.OperationStatus.Done && RuneAllowed(rune);
                used = Math.Max(used, 1);
            }
            else
            {
                allowed = CharAllowed?.Invoke(value[i]) ?? true;
            }

            if (!allowed)
            {
                // A secret's characters are not shown, not even the one that broke the rule.
                return Secret
                    ? "has a character that is not allowed"
                    : string.Create(CultureInfo.InvariantCulture, $"character {SafeText.DescribeCharacter(value, i)} at index {i} is not allowed");
            }

            i += used;
        }

        return Shape?.Invoke(value);
    }
}
