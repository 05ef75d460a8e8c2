using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using AssumeRole.Extensions.Sts;
using Amazon.Runtime;

namespace AssumeRole.Extensions.Caching;

/// <summary>
/// A cached session in the AWS CLI's cache format (<c>~/.aws/cli/cache/*.json</c>: botocore's AssumeRole response with
/// <c>Credentials</c>, <c>AssumedRoleUser</c> and <c>ResponseMetadata</c>), so that the CLI and the library read each
/// other's files. The issue time is the response's HTTP <c>Date</c>, which botocore keeps in
/// <c>ResponseMetadata.HTTPHeaders.date</c>: the one field that lets a reader lay the session on STS's clock.
/// </summary>
internal sealed class CachedSessionDocument
{
    [JsonPropertyName("Credentials")]
    public CredentialsPart? Credentials { get; set; }

    [JsonPropertyName("AssumedRoleUser")]
    public AssumedRoleUserPart? AssumedRoleUser { get; set; }

    [JsonPropertyName("ResponseMetadata")]
    public ResponseMetadataPart? ResponseMetadata { get; set; }

    /// <summary>Serializes a session STS returned, issued at <paramref name="issuedAt"/> on STS's clock.</summary>
    public static byte[] Serialize(StsCredentials value, DateTimeOffset issuedAt) => JsonSerializer.SerializeToUtf8Bytes(
        new CachedSessionDocument
        {
            Credentials = new CredentialsPart
            {
                AccessKeyId = value.Credentials.AccessKey,
                SecretAccessKey = value.Credentials.SecretKey,
                SessionToken = value.Credentials.Token,
                Expiration = value.ExpirationUtc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                AccountId = SdkStsGateway.AccountIdOf(value.AssumedRoleArn),
            },
            AssumedRoleUser = value.AssumedRoleArn is null ? null : new AssumedRoleUserPart { Arn = value.AssumedRoleArn },
            ResponseMetadata = new ResponseMetadataPart
            {
                RequestId = value.RequestId,
                HttpHeaders = new HttpHeadersPart { Date = issuedAt.ToUniversalTime().ToString("r", CultureInfo.InvariantCulture) },
            },
        },
        CachedSessionJsonContext.Default.CachedSessionDocument);

    /// <summary>
    /// Parses a cached session, with its <see cref="StsCredentials.IssuedAt"/> when the document has a Date;
    /// <see langword="null"/> when the document is not a session at all. Nothing in it is trusted yet: see
    /// <see cref="SessionEntryCheck"/>.
    /// </summary>
    public static StsCredentials? Deserialize(ReadOnlySpan<byte> utf8)
    {
        CachedSessionDocument? doc;
        try
        {
            doc = JsonSerializer.Deserialize(utf8, CachedSessionJsonContext.Default.CachedSessionDocument);
        }
        catch (JsonException)
        {
            return null;
        }

        var c = doc?.Credentials;
        if (c?.AccessKeyId is null || c.SecretAccessKey is null || c.SessionToken is null
            || !DateTimeOffset.TryParse(c.Expiration, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var expiration))
        {
            return null;
        }

        var arn = doc!.AssumedRoleUser?.Arn;
        var account = SdkStsGateway.AccountIdOf(arn);
        var credentials = account is null
            ? new ImmutableCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken)
            : new ImmutableCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken, account);
        DateTimeOffset? issuedAt = DateTimeOffset.TryParse(
            doc.ResponseMetadata?.HttpHeaders?.Date, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? date
            : null;

        // ServerDate (STS's "now") is set by the reader, which knows STS's clock; the document only knows the issue time.
        return new StsCredentials(credentials, expiration.UtcDateTime, null, arn, doc.ResponseMetadata?.RequestId) { IssuedAt = issuedAt };
    }

    internal sealed class CredentialsPart
    {
        public string? AccessKeyId { get; set; }

        public string? SecretAccessKey { get; set; }

        public string? SessionToken { get; set; }

        public string? Expiration { get; set; }

        public string? AccountId { get; set; }
    }

    internal sealed class AssumedRoleUserPart
    {
        public string? Arn { get; set; }
    }

    internal sealed class ResponseMetadataPart
    {
        public string? RequestId { get; set; }

        /// <summary>botocore's lower-cased response headers; only <c>date</c> is read or written.</summary>
        [JsonPropertyName("HTTPHeaders")]
        public HttpHeadersPart? HttpHeaders { get; set; }
    }

    internal sealed class HttpHeadersPart
    {
        [JsonPropertyName("date")]
        public string? Date { get; set; }
    }
}

[JsonSerializable(typeof(CachedSessionDocument))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class CachedSessionJsonContext : JsonSerializerContext;
