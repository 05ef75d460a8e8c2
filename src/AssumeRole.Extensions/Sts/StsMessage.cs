using System.Net;
using AssumeRole.Extensions.Validation;

namespace AssumeRole.Extensions.Sts;

/// <summary>
/// The one policy for STS's message text: it reaches <see cref="AssumeRoleException.Message"/> only after every secret
/// the request carried (external ID, MFA code, context assertions, web identity token) is replaced by <c>***</c> — in
/// any letter case, raw, percent-encoded (either hex case) or form-encoded — and after control, format and bidi
/// characters are escaped and the text is cut to <see cref="MaxLength"/> characters. Logs see it only through that
/// exception; metrics and traces carry error codes only.
/// </summary>
internal static class StsMessage
{
    /// <summary>The longest STS message text kept.</summary>
    public const int MaxLength = 512;

    private const string Mask = "***";

    /// <summary>The exception with every secret removed from its message; the SDK cause is dropped if anything was.</summary>
    public static StsCallException Redact(StsCallException exception, params string?[] secrets)
    {
        var redacted = RemoveSecrets(exception.Message, secrets);
        return ReferenceEquals(redacted, exception.Message)
            ? exception
            : new StsCallException(exception.ErrorCode, redacted, exception.StatusCode, exception.RequestId, exception.IsTransient);
    }

    /// <summary>Redacted, escaped and cut: what an exception message may show of STS's text.</summary>
    public static string Sanitize(string? message, params string?[] secrets) =>
        SafeText.Escape(RemoveSecrets(message ?? string.Empty, secrets), MaxLength);

    /// <summary><paramref name="message"/> itself when no secret occurs in it, else a copy with each one masked.</summary>
    public static string RemoveSecrets(string message, params string?[] secrets)
    {
        var result = message;
        foreach (var secret in secrets)
        {
            if (string.IsNullOrEmpty(secret))
            {
                continue;
            }

            // Longest forms first, so a shorter form never leaves part of a longer one behind.
            foreach (var form in FormsOf(secret).Distinct(StringComparer.OrdinalIgnoreCase).OrderByDescending(f => f.Length))
            {
                if (result.Contains(form, StringComparison.OrdinalIgnoreCase))
                {
                    result = result.Replace(form, Mask, StringComparison.OrdinalIgnoreCase);
                }
            }
        }

        // A form we did not think of: if the percent-decoded text still holds a secret, redact that text instead.
        if (result.Contains('%', StringComparison.Ordinal) && secrets.Length > 0)
        {
            var decoded = Uri.UnescapeDataString(result);
            if (!string.Equals(decoded, result, StringComparison.Ordinal) && secrets.Any(s => !string.IsNullOrEmpty(s) && decoded.Contains(s, StringComparison.OrdinalIgnoreCase)))
            {
                return RemoveSecrets(decoded, secrets);
            }
        }

        return result;
    }

    private static IEnumerable<string> FormsOf(string secret)
    {
        yield return secret;
        yield return Uri.EscapeDataString(secret);
        yield return WebUtility.UrlEncode(secret);
        yield return WebUtility.HtmlEncode(secret);
    }
}
