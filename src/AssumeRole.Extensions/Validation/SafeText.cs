using System.Globalization;
using System.Text;

namespace AssumeRole.Extensions.Validation;

/// <summary>
/// Makes text from outside the library safe to put in an exception message or a log line: control, format (bidi
/// overrides, zero-width characters), line/paragraph separator and unpaired surrogate characters are escaped as
/// <c>\uXXXX</c> (so CR/LF cannot forge a log line and bidi overrides cannot reorder it), and long values are cut to a
/// few dozen characters followed by their length (so a 1 MB role ARN cannot flood a log). A backslash is escaped too
/// (<c>\u005C</c>), so that a literal <c>\u000A</c> in a value cannot pass for an escaped line feed, and inside quotes
/// (<see cref="Quote"/>) so is the apostrophe (<c>\u0027</c>), so that a value cannot close its quotes and fake the
/// rest of the message.
/// </summary>
internal static class SafeText
{
    /// <summary>How many characters of a user value a message shows.</summary>
    public const int MaxShownCharacters = 48;

    /// <summary>
    /// The value in single quotes, escaped, and cut after <see cref="MaxShownCharacters"/> characters with its full
    /// length appended: <c>'arn:aws:iam::…' (1048576 characters)</c>. <see langword="null"/> reads <c>null</c>.
    /// </summary>
    public static string Quote(string? value) => QuoteUpTo(value, MaxShownCharacters);

    /// <summary>The value like <see cref="Quote"/>, cut after <paramref name="maxCharacters"/> characters.</summary>
    public static string QuoteUpTo(string? value, int maxCharacters)
    {
        if (value is null)
        {
            return "null";
        }

        var sb = new StringBuilder(Math.Min(value.Length, maxCharacters) + 32).Append('\'');
        var cut = Append(sb, value, maxCharacters, quoted: true);
        sb.Append('\'');
        if (cut)
        {
            sb.Append(" (").Append(value.Length.ToString(CultureInfo.InvariantCulture)).Append(" characters)");
        }

        return sb.ToString();
    }

    /// <summary>Text escaped like <see cref="Quote"/>, cut after <paramref name="maxCharacters"/> characters (with a marker).</summary>
    public static string Escape(string? text, int maxCharacters)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var sb = new StringBuilder(Math.Min(text.Length, maxCharacters) + 32);
        if (Append(sb, text, maxCharacters, quoted: false))
        {
            sb.Append(" (cut; ").Append(text.Length.ToString(CultureInfo.InvariantCulture)).Append(" characters)");
        }

        return sb.ToString();
    }

    /// <summary>One character for a message: <c>':' (U+003A)</c>, escaped when it is not printable.</summary>
    public static string DescribeCharacter(string value, int index)
    {
        var status = Rune.DecodeFromUtf16(value.AsSpan(index), out var rune, out _);
        var code = status == System.Buffers.OperationStatus.Done ? rune.Value : value[index];
        var shown = new StringBuilder();
        Append(shown, status == System.Buffers.OperationStatus.Done ? rune.ToString() : value[index].ToString(), 4, quoted: true);
        return string.Create(CultureInfo.InvariantCulture, $"'{shown}' (U+{code:X4})");
    }

    /// <summary>True when nothing in <paramref name="text"/> needs escaping.</summary>
    public static bool IsPrintable(string text)
    {
        for (var i = 0; i < text.Length;)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var used) != System.Buffers.OperationStatus.Done || MustEscape(rune, quoted: true))
            {
                return false;
            }

            i += used;
        }

        return true;
    }

    private static bool Append(StringBuilder sb, string value, int maxCharacters, bool quoted)
    {
        var i = 0;
        var shown = 0;
        while (i < value.Length)
        {
            if (shown >= maxCharacters)
            {
                sb.Append('…');
                return true;
            }

            if (Rune.DecodeFromUtf16(value.AsSpan(i), out var rune, out var used) != System.Buffers.OperationStatus.Done)
            {
                // An unpaired surrogate.
                sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)value[i]:X4}");
                i++;
            }
            else if (MustEscape(rune, quoted))
            {
                sb.Append(rune.IsBmp
                    ? string.Create(CultureInfo.InvariantCulture, $"\\u{rune.Value:X4}")
                    : string.Create(CultureInfo.InvariantCulture, $"\\U{rune.Value:X8}"));
                i += used;
            }
            else
            {
                sb.Append(value, i, used);
                i += used;
            }

            shown++;
        }

        return false;
    }

    private static bool MustEscape(Rune rune, bool quoted) =>
        rune.Value == '\\' || (quoted && rune.Value == '\'') || Rune.GetUnicodeCategory(rune) is
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
            or UnicodeCategory.OtherNotAssigned;
}
