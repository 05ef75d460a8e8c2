using System.Text.RegularExpressions;

namespace AssumeRole.Extensions.Testing.Actions;

/// <summary>
/// The STS model's patterns. <c>\w</c> in AWS's (Java) patterns is ASCII-only, hence ECMAScript matching; the text
/// is what error messages quote.
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

    [GeneratedRegex(@"^[\w+=,.@-]*$", RegexOptions.ECMAScript)]
    public static partial Regex SessionName();

    [GeneratedRegex(@"^[\w+=,.@:\/-]*$", RegexOptions.ECMAScript)]
    public static partial Regex ExternalId();

    [GeneratedRegex(@"^[\w+=/:,.@-]*$", RegexOptions.ECMAScript)]
    public static partial Regex SerialNumber();

    [GeneratedRegex(@"^[0-9]*$", RegexOptions.ECMAScript)]
    public static partial Regex TokenCode();

    [GeneratedRegex(@"^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$", RegexOptions.CultureInvariant)]
    public static partial Regex TagKey();

    [GeneratedRegex(@"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$", RegexOptions.CultureInvariant)]
    public static partial Regex TagValue();
}
