using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon;

namespace AssumeRole.Extensions.Validation;

/// <summary>
/// STS's input constraints, in one place: the table "STS's input rules" of the README, row for row. Sources: the STS
/// API reference (AssumeRole, AssumeRoleWithWebIdentity, GetSessionToken, Tag, ProvidedContext) and the botocore service
/// model it is generated from. Every options class checks its values here.
/// </summary>
/// <remarks>
/// <para>
/// The model's patterns are Java regular expressions without <c>UNICODE_CHARACTER_CLASS</c>, so <c>\w</c> is
/// <c>[A-Za-z0-9_]</c> and <c>\d</c> is <c>[0-9]</c>: those fields accept ASCII only, and are checked here with
/// explicit ASCII sets. The tag patterns use Unicode categories (<c>\p{L}</c>, <c>\p{Z}</c>, <c>\p{N}</c>), which Java
/// applies per code point, so tags are checked per <see cref="Rune"/> (a letter outside the BMP is a letter).
/// </para>
/// <para>
/// Lengths are counted in UTF-16 code units, as Java's <c>String.length()</c> does. For the ASCII fields this is the
/// number of characters; for tags it is never less than the number of code points, so a tag STS would count shorter
/// can only be refused here, never the other way round.
/// </para>
/// </remarks>
internal static partial class StsConstraints
{
    public const int MinDuration = 900;
    public const int MaxDuration = 43200;
    public const int ChainedMaxDuration = 3600;
    public const int MaxSessionTokenDuration = 129600;
    public const int MaxPolicyArns = 10;
    public const int MaxTags = 50;
    public const int MaxTransitiveTagKeys = 50;
    public const int MinProvidedContexts = 1;
    public const int MaxProvidedContexts = 5;
    public const int MaxWebIdentityTokenLength = 20000;

    private const string SessionNameChars = "A-Za-z0-9_+=,.@-";
    private const string ExternalIdChars = "A-Za-z0-9_+=,.@:/-";
    private const string SerialNumberChars = "A-Za-z0-9_+=/:,.@-";

    /// <summary><c>arn:PARTITION:iam::ACCOUNT:role/[path/]NAME</c>: an IAM role name (1–64 of <c>[\w+=,.@-]</c>) under an IAM path (printable ASCII).</summary>
    public static readonly StringRule RoleArn = new(
        "RoleArn", 20, 2048, "arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME (ASCII; ACCOUNT is 12 digits)", Secret: false, IsArnChar, v => RoleArnPattern().IsMatch(v) ? null : "is not a role ARN");

    public static readonly StringRule RoleSessionName = Ascii("RoleSessionName", 2, 64, SessionNameChars, secret: false);

    public static readonly StringRule ExternalId = Ascii("ExternalId", 2, 1224, ExternalIdChars, secret: true);

    public static readonly StringRule SerialNumber = Ascii("MfaSerialNumber", 9, 256, SerialNumberChars, secret: false);

    /// <summary>The MFA code: exactly six ASCII digits (<c>[\d]*</c>, length 6).</summary>
    public static readonly StringRule TokenCode = new("TokenCode", 6, 6, "6 digits 0-9", Secret: true, c => c is >= '0' and <= '9', null);

    /// <summary>Like a session name, and not starting with <c>aws:</c> (which the ASCII set, without ':', already excludes).</summary>
    public static readonly StringRule SourceIdentity = new(
        "SourceIdentity", 2, 64, $"[{SessionNameChars}], not starting with 'aws:'", Secret: false, c => InSet(c, SessionNameChars),
        v => v.StartsWith("aws:", StringComparison.OrdinalIgnoreCase) ? "starts with 'aws:'" : null);

    /// <summary>A session policy: JSON, at most 2048 characters from <c>[\u0009\u000A\u000D\u0020-\u00FF]</c>.</summary>
    public static readonly StringRule Policy = new(
        "Policy", 1, 2048, @"a JSON policy document of characters \u0009, \u000A, \u000D, \u0020-\u00FF", Secret: false,
        c => c is '\t' or '\n' or '\r' or (>= '\u0020' and <= '\u00FF'), CheckJsonObject);

    /// <summary>A managed policy ARN: <c>arn:PARTITION:iam::(ACCOUNT|aws):policy/[path/]NAME</c>.</summary>
    public static readonly StringRule PolicyArn = new(
        "PolicyArns", 20, 2048, "arn:PARTITION:iam::ACCOUNT|aws:policy/[PATH/]NAME (ASCII)", Secret: false, IsArnChar,
        v => PolicyArnPattern().IsMatch(v) ? null : "is not a managed policy ARN");

    public static readonly StringRule TagKey = new("Tags key", 1, 128, @"[\p{L}\p{Z}\p{N}_.:/=+\-@]", Secret: false, null, null, TagRune);

    public static readonly StringRule TagValue = new("Tags value", 0, 256, @"[\p{L}\p{Z}\p{N}_.:/=+\-@]", Secret: false, null, null, TagRune);

    public static readonly StringRule TransitiveTagKey = TagKey with { Field = "TransitiveTagKeys" };

    /// <summary>STS's <c>arnType</c>: 20–2048 characters of its ARN character set (no semantic check: one provider exists today).</summary>
    public static readonly StringRule ProviderArn = new("ProviderArn", 20, 2048, "an ARN", Secret: false, IsArnChar, null);

    /// <summary>A signed, encrypted assertion from the context provider: a credential, never shown.</summary>
    public static readonly StringRule ContextAssertion = new("ContextAssertion", 4, 2048, "the provider's assertion", Secret: true, null, null);

    public static readonly StringRule WebIdentityToken = new("WebIdentityToken", 4, MaxWebIdentityTokenLength, "a token", Secret: true, null, null);

    private static readonly HashSet<string> s_knownRegions =
        new(RegionEndpoint.EnumerableAllRegions.Select(r => r.SystemName), StringComparer.Ordinal);

    /// <summary>Checks a duration; <see langword="null"/> when it is within <paramref name="min"/>–<paramref name="max"/>.</summary>
    public static string? CheckRange(string field, int? value, int min, int max) =>
        value is { } v && (v < min || v > max)
            ? string.Create(CultureInfo.InvariantCulture, $"{field} must be between {min} and {max}; got {v}.")
            : null;

    /// <summary>
    /// A region the SDK knows, or one shaped like an AWS region (<c>xx-name-N</c>: a newer region the pinned SDK does not
    /// list yet). Anything else would fail inside the SDK's endpoint resolution at the first call.
    /// </summary>
    public static string? CheckRegion(string field, string? region)
    {
        if (region is null || s_knownRegions.Contains(region) || RegionPattern().IsMatch(region))
        {
            return null;
        }

        return $"{field} {SafeText.Quote(region)} is not an AWS region name (for example eu-west-1).";
    }

    /// <summary>An absolute http(s) URL without user info, query or fragment: the SDK sends to nothing else.</summary>
    public static string? CheckServiceUrl(string field, string? url)
    {
        if (url is null)
        {
            return null;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            return $"{field} {SafeText.Quote(url)} is not an absolute http:// or https:// URL.";
        }

        if (uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            return $"{field} {SafeText.Quote(url)} must not carry user info, a query or a fragment.";
        }

        return null;
    }

    private static StringRule Ascii(string field, int min, int max, string chars, bool secret) =>
        new(field, min, max, $"[{chars}]", secret, c => InSet(c, chars), null);

    private static bool InSet(char c, string set)
    {
        // The sets above are ASCII letters and digits ("A-Za-z0-9") followed by literal punctuation.
        if (c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9'))
        {
            return true;
        }

        return c < 128 && set.AsSpan(9).Contains(c);
    }

    /// <summary>
    /// STS's <c>arnType</c> pattern, <c>[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+</c>,
    /// as <c>java.util.regex</c> reads it (checked on Java 17 and 25): <c>\u</c> takes exactly four hex digits, so the
    /// tail is <c>\u1000</c>, the range <c>0-\u10FF</c>, then <c>F</c>, <c>F</c>. That range (U+0030–U+10FF) adds
    /// U+007F–U+0084 and U+0086–U+009F to the listed ranges, which leaves tab, LF, CR and every BMP character from U+0020
    /// except surrogates, U+FFFE and U+FFFF. No supplementary character is in the set, and no lone surrogate.
    /// </summary>
    private static bool IsArnChar(char c) =>
        c is '\t' or '\n' or '\r' or (>= '\u0020' and <= '\uD7FF') or (>= '\uE000' and <= '\uFFFD');

    private static bool TagRune(Rune rune) =>
        Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => true,
            UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => true,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => true,
            _ => rune.Value is '_' or '.' or ':' or '/' or '=' or '+' or '-' or '@',
        };

    private static string? CheckJsonObject(string policy)
    {
        try
        {
            using var document = JsonDocument.Parse(policy);
            return document.RootElement.ValueKind == JsonValueKind.Object ? null : "is JSON but not an object (a policy document is a JSON object)";
        }
        catch (JsonException ex)
        {
            return string.Create(CultureInfo.InvariantCulture, $"is not JSON (line {(ex.LineNumber ?? 0) + 1}, position {(ex.BytePositionInLine ?? 0) + 1})");
        }
    }

    // The partition is "aws" or "aws-…" (aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-eusc, …); the account is 12 ASCII
    // digits; the path is IAM's (printable ASCII between slashes); the name is IAM's role name.
    [GeneratedRegex(@"^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/(?:[\x21-\x7E]+/)?[A-Za-z0-9_+=,.@-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex RoleArnPattern();

    [GeneratedRegex(@"^arn:aws(-[a-z]+)*:iam::(?:[0-9]{12}|aws):policy/(?:[\x21-\x7E]+/)?[A-Za-z0-9_+=,.@-]{1,128}\z", RegexOptions.CultureInvariant)]
    private static partial Regex PolicyArnPattern();

    [GeneratedRegex(@"^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}\z", RegexOptions.CultureInvariant)]
    private static partial Regex RegionPattern();
}
