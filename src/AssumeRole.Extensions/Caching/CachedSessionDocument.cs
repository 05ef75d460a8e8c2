using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using AssumeRole.Extensions.Sts;
using Amazon.Runtime;

namespace AssumeRole.Extensions.Caching;

/// <summary>
/// A cached session in the AWS CLI's cache format (<c>~/.aws/cli/cache/*.json</c>: the AssumeRole response with
/// <c>Credentials</c>, <c>AssumedRoleUser</c> and <c>ResponseMetadata</c>), so the files read like the CLI's own.
/// </summary>
internal sealed class CachedSessionDocument
{
    [JsonPropertyName("Credentials")]
    public CredentialsPart? Credentials { get; set; }

    [JsonPropertyName("AssumedRoleUser")]
    public AssumedRoleUserPart? AssumedRoleUser { get; set; }

    [JsonPropertyName("ResponseMetadata")]
    public ResponseMetadataPart? ResponseMetadata { get; set; }

    public static byte[] Serialize(StsCredentials value) => JsonSerializer.SerializeToUtf8Bytes(
        new CachedSessionDocument
        {
            Credentials = new CredentialsPart
            {
                AccessKeyId = value.Credentials.AccessKey,
                SecretAccessKey = value.Credentials.SecretKey,
                SessionToken = value.Credentials.Token,
                Expiration = value.ExpirationUtc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            },
            AssumedRoleUser = value.AssumedRoleArn is null ? null : new AssumedRoleUserPart { Arn = value.AssumedRoleArn },
            ResponseMetadata = value.RequestId is null ? null : new ResponseMetadataPart { RequestId = value.RequestId },
        },
        CachedSessionJsonContext.Default.CachedSessionDocument);

    /// <summary>Parses a cached session; <see langword="null"/> when the document is not one.</summary>
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

        // No server Date for a cached copy: the engine measures its remaining life on the local clock.
        return new StsCredentials(credentials, expiration.UtcDateTime, null, arn, doc.ResponseMetadata?.RequestId);
    }

    internal sealed class CredentialsPart
    {
        public string? AccessKeyId { get; set; }

        public string? SecretAccessKey { get; set; }

        public string? SessionToken { get; set; }

        public string? Expiration { get; set; }
    }

    internal sealed class AssumedRoleUserPart
    {
        public string? Arn { get; set; }
    }

    internal sealed class ResponseMetadataPart
    {
        public string? RequestId { get; set; }
    }
}

[JsonSerializable(typeof(CachedSessionDocument))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class CachedSessionJsonContext : JsonSerializerContext;
