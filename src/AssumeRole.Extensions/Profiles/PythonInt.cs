using System.Globalization;
using System.Text;

namespace AssumeRole.Extensions.Profiles;

/// <summary>
/// Python's <c>int(text)</c>, with which botocore reads <c>duration_seconds</c>: surrounding white space (Python's),
/// an optional <c>+</c> or <c>-</c>, then decimal digits of any script (<c>٩٠٠</c> and <c>９００</c> are 900) with
/// single underscores between them (<c>9_00</c>). Anything else is not an integer, which botocore ignores. Two limits
/// of the CLI's Python (3.11) are matched: "decimal digits" are those of Unicode 14.0 (Python 3.11's
/// <c>unicodedata.unidata_version</c>; .NET 10 knows later ones such as Kawi's U+11F50..U+11F59, which Python 3.11
/// refuses), and a value of more than <see cref="MaxDigits"/> digits raises <c>ValueError</c> (Python's
/// <c>sys.int_info.default_max_str_digits</c>, counted without underscores).
/// </summary>
internal static class PythonInt
{
    /// <summary>The most digits Python 3.11's <c>int(text)</c> converts (its default <c>max_str_digits</c>).</summary>
    public const int MaxDigits = 4300;

    /// <summary>
    /// The code points of general category Nd in Unicode 14.0, as (first, last) ranges: generated with Python 3.11.7
    /// (<c>unicodedata.category(c) == 'Nd'</c>, 660 code points); .NET agrees on each (a test checks it).
    /// </summary>
    internal static readonly (int First, int Last)[] Unicode14Digits =
    [
        (0x30, 0x39), (0x660, 0x669), (0x6F0, 0x6F9), (0x7C0, 0x7C9), (0x966, 0x96F), (0x9E6, 0x9EF), (0xA66, 0xA6F),
        (0xAE6, 0xAEF), (0xB66, 0xB6F), (0xBE6, 0xBEF), (0xC66, 0xC6F), (0xCE6, 0xCEF), (0xD66, 0xD6F), (0xDE6, 0xDEF),
        (0xE50, 0xE59), (0xED0, 0xED9), (0xF20, 0xF29), (0x1040, 0x1049), (0x1090, 0x1099), (0x17E0, 0x17E9),
        (0x1810, 0x1819), (0x1946, 0x194F), (0x19D0, 0x19D9), (0x1A80, 0x1A89), (0x1A90, 0x1A99), (0x1B50, 0x1B59),
        (0x1BB0, 0x1BB9), (0x1C40, 0x1C49), (0x1C50, 0x1C59), (0xA620, 0xA629), (0xA8D0, 0xA8D9), (0xA900, 0xA909),
        (0xA9D0, 0xA9D9), (0xA9F0, 0xA9F9), (0xAA50, 0xAA59), (0xABF0, 0xABF9), (0xFF10, 0xFF19), (0x104A0, 0x104A9),
        (0x10D30, 0x10D39), (0x11066, 0x1106F), (0x110F0, 0x110F9), (0x11136, 0x1113F), (0x111D0, 0x111D9),
        (0x112F0, 0x112F9), (0x11450, 0x11459), (0x114D0, 0x114D9), (0x11650, 0x11659), (0x116C0, 0x116C9),
        (0x11730, 0x11739), (0x118E0, 0x118E9), (0x11950, 0x11959), (0x11C50, 0x11C59), (0x11D50, 0x11D59),
        (0x11DA0, 0x11DA9), (0x16A60, 0x16A69), (0x16AC0, 0x16AC9), (0x16B50, 0x16B59), (0x1D7CE, 0x1D7FF),
        (0x1E140, 0x1E149), (0x1E2F0, 0x1E2F9), (0x1E950, 0x1E959), (0x1FBF0, 0x1FBF9),
    ];

    /// <summary>The value, or <see langword="null"/> where Python raises <c>ValueError</c>; beyond <see cref="long"/> it saturates.</summary>
    public static long? Parse(string text)
    {
        var s = IniFile.Strip(text);
        var i = 0;
        var negative = false;
        if (s.Length > 0 && s[0] is '+' or '-')
        {
            negative = s[0] == '-';
            i = 1;
        }

        long value = 0;
        var digits = 0;
        var underscore = false;
        while (i < s.Length)
        {
            if (s[i] == '_')
            {
                // Only between two digits, one at a time.
                if (digits == 0 || underscore)
                {
                    return null;
                }

                underscore = true;
                i++;
                continue;
            }

            if (Rune.DecodeFromUtf16(s.AsSpan(i), out var rune, out var used) != System.Buffers.OperationStatus.Done
                || !IsDigit(rune))
            {
                return null;
            }

            var digit = (long)Rune.GetNumericValue(rune);
            value = value > (long.MaxValue - digit) / 10 ? long.MaxValue : (value * 10) + digit;
            digits++;
            underscore = false;
            i += used;
        }

        if (digits == 0 || underscore || digits > MaxDigits)
        {
            return null;
        }

        return negative ? -value : value;
    }

    /// <summary>A decimal digit to both Python 3.11 (Unicode 14.0) and .NET.</summary>
    internal static bool IsDigit(Rune rune)
    {
        if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.DecimalDigitNumber)
        {
            return false;
        }

        foreach (var (first, last) in Unicode14Digits)
        {
            if (rune.Value < first)
            {
                return false;
            }

            if (rune.Value <= last)
            {
                return true;
            }
        }

        return false;
    }
}
