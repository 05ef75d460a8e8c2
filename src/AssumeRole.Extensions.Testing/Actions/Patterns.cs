using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AssumeRole.Extensions.Testing.Actions;

/// <summary>
/// The STS model's patterns, matched as AWS (a Java service) matches them: <c>\w</c> and <c>\d</c> are ASCII (Java
/// without <c>UNICODE_CHARACTER_CLASS</c>), so those patterns are written with explicit ASCII classes; the tag patterns'
/// Unicode categories apply per code point (<see cref="Tag"/>), as Java's do. The text is what error messages quote.
/// </summary>
internal static partial class Patterns
{
    public const string SessionNameText = @"[\w+=,.@-]*";
    public const string ExternalIdText = @"[\w+=,.@:\/-]*";
    public const string SerialNumberText = @"[\w+=/:,.@-]*";
    public const string TokenCodeText = @"[\d]*";
    public const string SourceIdentityText = @"[\w+=,.@-]*";
    public const string TagKeyText = @"[\p{L}\p{Z}\p{N}_.:/=+\-@]+";
    public const string TagValueText = @"[\p{L}\p{Z}\p{N}_.:/=+\-@]*";
    public const string ArnText = @"[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+";
    public const string PolicyText = @"[\u0009\u000A\u000D\u0020-\u00FF]+";

    // \z, not $: .NET's $ also matches before a final newline, which Java's matches() does not.
    [GeneratedRegex(@"^[A-Za-z0-9_+=,.@-]*\z", RegexOptions.CultureInvariant)]
    public static partial Regex SessionName();

    [GeneratedRegex(@"^[A-Za-z0-9_+=,.@:/-]*\z", RegexOptions.CultureInvariant)]
    public static partial Regex ExternalId();

    [GeneratedRegex(@"^[A-Za-z0-9_+=/:,.@-]*\z", RegexOptions.CultureInvariant)]
    public static partial Regex SerialNumber();

    [GeneratedRegex(@"^[0-9]*\z", RegexOptions.CultureInvariant)]
    public static partial Regex TokenCode();

    /// <summary>
    /// STS's <c>arnType</c> character set as <c>java.util.regex</c> (Java 17 and 25) reads it: <c>\u</c> takes exactly
    /// four hex digits, so the tail <c>\u10000-\u10FFFF</c> is <c>\u1000</c>, the range <c>0-\u10FF</c>, <c>F</c>,
    /// <c>F</c>. The range from '0' (U+0030) to U+10FF adds U+007F–U+0084 and U+0086–U+009F, so the set is every BMP
    /// character from U+0020 except surrogates and U+FFFE/U+FFFF, plus tab, LF and CR; no supplementary character.
    /// </summary>
    [GeneratedRegex(@"^[\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD]+\z", RegexOptions.CultureInvariant)]
    public static partial Regex Arn();

    [GeneratedRegex(@"^[\u0009\u000A\u000D\u0020-\u00FF]+\z", RegexOptions.CultureInvariant)]
    public static partial Regex Policy();

    /// <summary>The tag patterns, per code point: a letter, separator or number of any plane, or one of <c>_.:/=+-@</c>.</summary>
    public static bool Tag(string value, bool allowEmpty)
    {
        if (value.Length == 0)
        {
            return allowEmpty;
        }

        foreach (var rune in EnumerateOrNull(value))
        {
            if (rune is not { } r)
            {
                return false;
            }

            var allowed = CharUnicodeInfo.GetUnicodeCategory(r.Value) switch
            {
                UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                    or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                    or UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                    or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => true,
                _ => "_.:/=+-@".Contains((char)r.Value, StringComparison.Ordinal) && r.IsBmp,
            };
            if (!allowed)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether two tag keys are the same key to STS: Java's <c>String.equalsIgnoreCase</c> (<c>regionMatches</c> with
    /// ignoreCase), which compares per code point the upper cases, then the lower cases of the upper cases — so the
    /// Kelvin sign (U+212A) is 'k' and 'İ' (U+0130) is 'i'.
    /// </summary>
    public static bool SameTagKey(string a, string b)
    {
        var x = EnumerateOrNull(a).ToList();
        var y = EnumerateOrNull(b).ToList();
        if (a.Length != b.Length || x.Count != y.Count)
        {
            return false;
        }

        for (var i = 0; i < x.Count; i++)
        {
            if (x[i] is not { } c1 || y[i] is not { } c2)
            {
                // Keys with an unpaired surrogate never pass the tag pattern; compare them exactly.
                return string.Equals(a, b, StringComparison.Ordinal);
            }

            var u1 = JavaUpper(c1);
            var u2 = JavaUpper(c2);
            if (c1 != c2 && u1 != u2 && JavaLower(u1) != JavaLower(u2))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Java's <c>Character.toUpperCase</c>: .NET's invariant mapping leaves the dotless i alone, Java makes it 'I'.</summary>
    private static Rune JavaUpper(Rune rune) => rune.Value == 0x131 ? new Rune('I') : Rune.ToUpperInvariant(rune);

    /// <summary>Java's <c>Character.toLowerCase</c>: .NET's invariant mapping leaves the dotted I alone, Java makes it 'i'.</summary>
    private static Rune JavaLower(Rune rune) => rune.Value == 0x130 ? new Rune('i') : Rune.ToLowerInvariant(rune);

    /// <summary>The code points of <paramref name="value"/>; <see langword="null"/> for an unpaired surrogate.</summary>
    private static IEnumerable<Rune?> EnumerateOrNull(string value)
    {
        for (var i = 0; i < value.Length;)
        {
            if (Rune.DecodeFromUtf16(value.AsSpan(i), out var rune, out var used) != System.Buffers.OperationStatus.Done)
            {
                yield return null;
                yield break;
            }

            yield return rune;
            i += used;
        }
    }
}
