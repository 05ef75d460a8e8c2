using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AssumeRole.Extensions.Testing.Signing;

/// <summary>
/// The pieces of AWS Signature Version 4 a server recomputes: canonical request, string to sign, signing key and
/// signature. Hashing is the BCL's <see cref="SHA256"/> and <see cref="HMACSHA256"/>.
/// </summary>
internal static class SigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string AmzDateFormat = "yyyyMMdd'T'HHmmss'Z'";

    public static string Sha256Hex(ReadOnlySpan<byte> data) => Hex(SHA256.HashData(data));

    public static byte[] SigningKey(string secretAccessKey, string date, string region, string service)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secretAccessKey), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(key, "aws4_request"u8);
    }

    public static string Signature(byte[] signingKey, string stringToSign) =>
        Hex(HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(stringToSign)));

    /// <summary>Builds the canonical request: one field per line, headers one per line, then a blank line.</summary>
    /// <param name="method">The HTTP method, upper case.</param>
    /// <param name="canonicalUri">The URI-encoded path (<c>/</c> for STS).</param>
    /// <param name="canonicalQuery">The sorted, URI-encoded query string; empty for a POST with a form body.</param>
    /// <param name="canonicalHeaders">Name/value pairs, names lower-cased and in signed-header order.</param>
    /// <param name="signedHeaders">The lower-cased header names, sorted and joined with <c>;</c>.</param>
    /// <param name="payloadHash">The lower-case hex SHA-256 of the request body.</param>
    public static string CanonicalRequest(
        string method,
        string canonicalUri,
        string canonicalQuery,
        IEnumerable<KeyValuePair<string, string>> canonicalHeaders,
        string signedHeaders,
        string payloadHash)
    {
        var builder = new StringBuilder();
        builder.Append(method).Append('\n')
            .Append(canonicalUri).Append('\n')
            .Append(canonicalQuery).Append('\n');
        foreach (var (name, value) in canonicalHeaders)
        {
            builder.Append(name).Append(':').Append(value).Append('\n');
        }

        builder.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash);
        return builder.ToString();
    }

    public static string StringToSign(string amzDate, string credentialScope, string canonicalRequest) =>
        $"{Algorithm}\n{amzDate}\n{credentialScope}\n{Sha256Hex(Encoding.UTF8.GetBytes(canonicalRequest))}";

    /// <summary>Trims each value, collapses inner runs of spaces, and joins repeated headers with commas.</summary>
    public static string CanonicalHeaderValue(IEnumerable<string?> values)
    {
        var builder = new StringBuilder();
        foreach (var value in values)
        {
            if (builder.Length > 0)
            {
                builder.Append(',');
            }

            var previousWasSpace = false;
            foreach (var c in (value ?? string.Empty).Trim())
            {
                var isSpace = c == ' ';
                if (!(isSpace && previousWasSpace))
                {
                    builder.Append(c);
                }

                previousWasSpace = isSpace;
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// The canonical URI of a raw (already percent-encoded) path. Services other than S3 encode each segment a second
    /// time, so the raw segments are encoded again here.
    /// </summary>
    public static string CanonicalUri(string rawPath)
    {
        if (string.IsNullOrEmpty(rawPath) || rawPath == "/")
        {
            return "/";
        }

        return string.Join('/', rawPath.Split('/').Select(UriEncode));
    }

    /// <summary>The canonical query string: parameters decoded, re-encoded per RFC 3986, sorted by name then value.</summary>
    public static string CanonicalQuery(string rawQuery)
    {
        var query = rawQuery.StartsWith('?') ? rawQuery[1..] : rawQuery;
        if (query.Length == 0)
        {
            return string.Empty;
        }

        var pairs = new List<(string Name, string Value)>();
        foreach (var part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? part : part[..equals];
            var value = equals < 0 ? string.Empty : part[(equals + 1)..];
            pairs.Add((UriEncode(Uri.UnescapeDataString(name)), UriEncode(Uri.UnescapeDataString(value))));
        }

        pairs.Sort((a, b) =>
        {
            var byName = string.CompareOrdinal(a.Name, b.Name);
            return byName != 0 ? byName : string.CompareOrdinal(a.Value, b.Value);
        });
        return string.Join('&', pairs.Select(p => p.Name + "=" + p.Value));
    }

    /// <summary>Percent-encodes everything except RFC 3986 unreserved characters, with upper-case hex digits.</summary>
    public static string UriEncode(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    public static bool TryParseAmzDate(string? value, out DateTimeOffset timestamp) =>
        DateTimeOffset.TryParseExact(
            value,
            AmzDateFormat,
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
            out timestamp);

    public static string FormatAmzDate(DateTimeOffset value) =>
        value.UtcDateTime.ToString(AmzDateFormat, CultureInfo.InvariantCulture);

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}
