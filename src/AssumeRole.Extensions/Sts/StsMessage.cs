using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using AssumeRole.Extensions.Validation;

namespace AssumeRole.Extensions.Sts;

/// <summary>
/// The one policy for STS's message text. No redactor can find every way an endpoint might encode a secret it was sent,
/// so the text is not redacted but <b>kept whole or withheld whole</b>:
/// <list type="number">
/// <item>A text equal to one of STS's fixed messages (<see cref="FixedMessages"/>: no variable part, so nothing of the
/// request in it) is kept.</item>
/// <item>When the request carried no secret (external ID, MFA code, context assertion, web identity token), the text
/// is kept.</item>
/// <item>Otherwise the text is kept only if no run of <see cref="SecretRun"/> letters or digits of any secret (or the
/// whole secret, if shorter) appears in it — ignoring case and every other character, in the text as sent and after
/// each round of percent-decoding, HTML entity and JSON <c>\uXXXX</c> unescaping, and also as the hex or base64 of the
/// secret's UTF-8 bytes. Any hit withholds the text: it is replaced by a fixed description of the error code.</item>
/// </list>
/// What is kept is then escaped and cut (<see cref="Sanitize"/>). Logs see STS's text only through the exception's
/// message; metrics and traces carry error codes only.
/// </summary>
internal static partial class StsMessage
{
    /// <summary>The longest STS message text kept.</summary>
    public const int MaxLength = 512;

    /// <summary>How many consecutive letters or digits of a secret in STS's text withhold it.</summary>
    public const int SecretRun = 8;

    /// <summary>How many rounds of decoding are tried (a value encoded twice, three times …).</summary>
    private const int MaxDecodingRounds = 4;

    /// <summary>STS's messages that have no variable part: they can carry nothing of a request.</summary>
    internal static readonly HashSet<string> FixedMessages = new(StringComparer.Ordinal)
    {
        "Rate exceeded",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        "The security token included in the request is expired",
        "The security token included in the request is invalid.",
        "The security token included in the request is invalid",
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        "The specified transitive tag key must be included in the requested tags.",
        "The source identity is already set for this assume role session",
        "MultiFactorAuthentication failed with invalid MFA one time pass code.",
        "The request processing has failed because of an unknown error, exception or failure.",
    };

    /// <summary>
    /// The exception itself when its text may be kept, else a copy (same code, status, request id and transience, no
    /// SDK cause) whose message is a fixed description of the code.
    /// </summary>
    public static StsCallException Redact(StsCallException exception, params string?[] secrets)
    {
        if (!MayQuoteSecret(exception.Message, secrets))
        {
            return exception;
        }

        return new StsCallException(exception.ErrorCode, Withheld(exception.ErrorCode), exception.StatusCode, exception.RequestId, exception.IsTransient);
    }

    /// <summary>Escaped and cut: what an exception message may show of STS's (already kept) text.</summary>
    public static string Sanitize(string? message) => SafeText.Escape(message ?? string.Empty, MaxLength);

    /// <summary>The replacement for a withheld text: a fixed description of <paramref name="errorCode"/>.</summary>
    public static string Withheld(string? errorCode) =>
        Describe(errorCode) + " (STS's message text is withheld: it may quote a secret this request carried.)";

    /// <summary>True when <paramref name="message"/> must be withheld under the policy above.</summary>
    public static bool MayQuoteSecret(string message, params string?[] secrets)
    {
        var present = secrets.Where(s => !string.IsNullOrEmpty(s)).ToList();
        if (present.Count == 0 || FixedMessages.Contains(message.Trim()))
        {
            return false;
        }

        // Only what a message can show is checked (it is cut at MaxLength characters, a supplementary one counting once).
        var text = message.Length > 2 * MaxLength ? message[..(2 * MaxLength)] : message;
        var forms = Decodings(text).Select(Skeleton).ToList();
        foreach (var secret in present)
        {
            var bytes = Encoding.UTF8.GetBytes(secret!);
            string[] encodings =
            [
                secret!,
                Convert.ToHexString(bytes),
                Convert.ToBase64String(bytes),
                bytes.Length > 1 ? Convert.ToBase64String(bytes, 1, bytes.Length - 1) : string.Empty,
                bytes.Length > 2 ? Convert.ToBase64String(bytes, 2, bytes.Length - 2) : string.Empty,
            ];
            foreach (var encoding in encodings)
            {
                var skeleton = Skeleton(encoding);
                if (skeleton.Length > 0 && ContainsRun(forms, skeleton))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The text as sent, then after each round of percent-decoding, HTML entity and JSON unescaping.</summary>
    private static List<string> Decodings(string text)
    {
        var result = new List<string> { text };
        var current = text;
        for (var round = 0; round < MaxDecodingRounds; round++)
        {
            // Uri.UnescapeDataString leaves what is not a valid escape as it is (it does not throw).
            var next = JsonEscape().Replace(
                WebUtility.HtmlDecode(Uri.UnescapeDataString(current)),
                static m => new string((char)Convert.ToInt32(m.Groups[1].Value, 16), 1));
            if (string.Equals(next, current, StringComparison.Ordinal))
            {
                break;
            }

            result.Add(next);
            current = next;
        }

        return result;
    }

    /// <summary>Letters and digits only, upper-cased: separators, case and punctuation do not hide a secret.</summary>
    private static string Skeleton(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                sb.Append(char.ToUpperInvariant(c));
            }
        }

        return sb.ToString();
    }

    /// <summary>Whether any run of <see cref="SecretRun"/> characters of <paramref name="secret"/> (or all of it) is in a form.</summary>
    private static bool ContainsRun(List<string> forms, string secret)
    {
        var run = Math.Min(SecretRun, secret.Length);
        var runs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var form in forms)
        {
            for (var i = 0; i + run <= form.Length; i++)
            {
                runs.Add(form.Substring(i, run));
            }
        }

        for (var i = 0; i + run <= secret.Length; i++)
        {
            if (runs.Contains(secret.Substring(i, run)))
            {
                return true;
            }
        }

        return false;
    }

    private static string Describe(string? errorCode) => errorCode switch
    {
        "AccessDenied" => "STS denied the request: the role's trust policy or the caller's permissions do not allow it.",
        "ValidationError" or "InvalidParameterValue" => "STS found a parameter of the request invalid.",
        "MalformedPolicyDocument" => "STS refused the session policy.",
        "PackedPolicyTooLarge" => "The session policy and tags exceed STS's packed size limit.",
        "ExpiredToken" => "The credentials the request was signed with have expired.",
        "InvalidClientTokenId" or "SignatureDoesNotMatch" => "STS did not accept the credentials the request was signed with.",
        "RegionDisabledException" => "STS is not activated in this region for the account.",
        "ExpiredTokenException" or "InvalidIdentityToken" or "IDPRejectedClaim" => "STS did not accept the web identity token.",
        "IDPCommunicationError" => "STS could not reach the web identity provider.",
        "Throttling" => "STS throttled the request.",
        _ => "STS refused the request.",
    };

    [GeneratedRegex(@"\\u([0-9A-Fa-f]{4})", RegexOptions.CultureInvariant)]
    private static partial Regex JsonEscape();
}
