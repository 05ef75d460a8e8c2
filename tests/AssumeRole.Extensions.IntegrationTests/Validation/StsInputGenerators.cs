using CsCheck;

namespace AssumeRole.Extensions.IntegrationTests.Validation;

/// <summary>
/// Generators of values for each row of STS's input table: strings drawn from the whole Unicode range (every UTF-16
/// unit, lone surrogates included, and supplementary code points), strings of the field's own alphabet with edge
/// lengths (min − 1, min, max, max + 1) and a single intruder, and for structured fields (ARNs, policies) valid shapes
/// with one part broken, so both verdicts are exercised often.
/// </summary>
internal static class StsInputGenerators
{
    /// <summary>Characters a reviewer would worry about: Unicode digits and letters that .NET's \w and \d accept.</summary>
    private const string LookAlikes = "\u0663\u0967\uFF11\u00E9\u00FC\u0416\u6771\u00B2\u2167\u00A0\u2028\u202E\u200B\u0000\n\r\t\u007F\u0085\u00FF\u0100";

    private static readonly Gen<string> AnyUnit = Gen.Char.Select(c => c.ToString());

    private static readonly Gen<string> Supplementary = Gen.Int[0x10000, 0x10FFFF].Select(char.ConvertFromUtf32);

    private static readonly Gen<string> LookAlike = Gen.Char[LookAlikes].Select(c => c.ToString());

    /// <summary>A string of 0–<paramref name="maxLength"/> pieces from the whole Unicode range.</summary>
    public static Gen<string> AnyUnicode(int maxLength) =>
        Gen.Frequency((6, AnyUnit), (2, Supplementary), (2, LookAlike), (2, Gen.Char['\u0020', '\u007E'].Select(c => c.ToString())))
            .List[0, maxLength].Select(string.Concat);

    /// <summary>Strings of <paramref name="alphabet"/> at edge and random lengths, sometimes with one intruder.</summary>
    public static Gen<string> FromAlphabet(string alphabet, int min, int max) =>
        Gen.Select(
            Gen.OneOf(Gen.Const(Math.Max(0, min - 1)), Gen.Const(min), Gen.Const(max), Gen.Const(max + 1), Gen.Int[Math.Max(0, min - 1), max + 1]),
            Gen.Int,
            Gen.Frequency((3, Gen.Const(string.Empty)), (2, AnyUnicode(1)), (1, LookAlike)),
            (length, seed, intruder) =>
            {
                var random = new Random(seed);
                var chars = new char[length];
                for (var i = 0; i < length; i++)
                {
                    chars[i] = alphabet[random.Next(alphabet.Length)];
                }

                var text = new string(chars);
                if (intruder is { Length: > 0 } && length > 0)
                {
                    var at = random.Next(length);
                    text = text[..at] + intruder + text[(at + 1)..];
                }

                return text;
            });

    /// <summary>A field's values: half from its alphabet (edges and intruders), half from the whole Unicode range.</summary>
    public static Gen<string> Field(string alphabet, int min, int max) =>
        Gen.Frequency((5, FromAlphabet(alphabet, min, max)), (3, AnyUnicode(Math.Min(max + 2, 80))), (1, AnyUnicode(max + 2)));

    /// <summary>Role (or policy) ARNs: the valid shape, each part replaced by something else one time in five.</summary>
    public static Gen<string> Arn(string resource, string nameAlphabet, int maxName) =>
        Gen.Select(
            Gen.Frequency(
                (4, Gen.OneOf("aws", "aws-cn", "aws-us-gov", "aws-iso-b", "aws-eusc")),
                (1, Gen.OneOf("AWS", "aw s", "aws-", "aws-ü", string.Empty, "aws1"))),
            Gen.Frequency(
                (4, Gen.OneOf(Gen.Const("123456789012"), Gen.Const(resource == "policy" ? "aws" : "210987654321"), Gen.String[Gen.Char['0', '9'], 12, 12])),
                (1, Gen.OneOf(
                    Gen.Const("12345678901"),
                    Gen.Const("1234567890123"),
                    FromAlphabet("0123456789", 12, 12),
                    Gen.Const("12345678901\u0663"),
                    Gen.Const("\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16\uFF17\uFF18\uFF19\uFF10\uFF11\uFF12")))),
            Gen.Frequency(
                (4, Gen.OneOf(Gen.Const(string.Empty), Gen.Const("path/"), Gen.Const("a/b/"), Gen.String[Gen.Char['!', '~'], 1, 30].Select(p => p + "/"))),
                (1, Gen.OneOf(Gen.Const("/"), AnyUnicode(6).Select(p => p + "/")))),
            Gen.Frequency(
                (4, Gen.String[Gen.Char[nameAlphabet], 1, maxName]),
                (1, FromAlphabet(nameAlphabet, 1, maxName))),
            Gen.Frequency(
                (4, Gen.Const(string.Empty)),
                (1, Gen.OneOf(Gen.Const("\n"), Gen.Const(" "), AnyUnicode(2)))),
            (partition, account, path, name, tail) => $"arn:{partition}:iam::{account}:{resource}/{path}{name}{tail}");

    /// <summary>Policies: JSON objects whose text runs through U+0000–U+02FF around the 2048 limit, and non-JSON.</summary>
    public static Gen<string> Policy() =>
        Gen.Frequency(
            (4, Gen.Select(Gen.String[Gen.Frequency((20, Gen.Char['a', 'z']), (1, Gen.Char['\u0000', '\u02FF'])), 0, 2060], Gen.Bool, (body, quote) =>
                "{\"Sid\":\"" + (quote ? body.Replace("\\", string.Empty, StringComparison.Ordinal).Replace("\"", string.Empty, StringComparison.Ordinal) : body) + "\"}")),
            (1, Gen.OneOf(Gen.Const("{}"), Gen.Const("[]"), Gen.Const("\"text\""), Gen.Const("{\"a\":1,}"), Gen.Const(string.Empty), Gen.Const("{\"a\":\u0001}"))),
            (2, AnyUnicode(40)));
}
