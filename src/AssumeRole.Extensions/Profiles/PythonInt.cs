using System.Globalization;
using System.Text;

namespace AssumeRole.Extensions.Profiles;

/// <summary>
/// Python's <c>int(text)</c>, with which botocore reads <c>duration_seconds</c>: surrounding white space (Python's),
/// an optional <c>+</c> or <c>-</c>, then decimal digits of any script (<c>٩٠٠</c> and <c>９００</c> are 900) with
/// single underscores between them (<c>9_00</c>). Anything else is not an integer, which botocore ignores.
/// </summary>
internal static class PythonInt
{
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
                || Rune.GetUnicodeCategory(rune) != UnicodeCategory.DecimalDigitNumber)
            {
                return null;
            }

            var digit = (long)Rune.GetNumericValue(rune);
            value = value > (long.MaxValue - digit) / 10 ? long.MaxValue : (value * 10) + digit;
            digits++;
            underscore = false;
            i += used;
        }

        if (digits == 0 || underscore)
        {
            return null;
        }

        return negative ? -value : value;
    }
}
