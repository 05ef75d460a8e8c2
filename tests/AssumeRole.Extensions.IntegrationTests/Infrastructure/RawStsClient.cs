using System.Globalization;
using System.Text;
using AssumeRole.Extensions.Testing.Signing;

namespace AssumeRole.Extensions.IntegrationTests.Infrastructure;

/// <summary>
/// Sends hand-made Query-protocol requests, to check the wire format (headers, XML, list encodings) that SDKs hide.
/// Signs with the emulator's own SigV4 helpers, so it proves nothing about signing: the SDK and CLI tests do that.
/// </summary>
public sealed class RawStsClient(Uri endpoint, string accessKeyId, string secretAccessKey, DateTimeOffset signingTime) : IDisposable
{
    private readonly HttpClient _http = new();

    public async Task<HttpResponseMessage> PostAsync(string form, bool sign = true)
    {
        var body = Encoding.UTF8.GetBytes(form);
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/x-www-form-urlencoded") { CharSet = "utf-8" };
        if (sign)
        {
            var amzDate = SigV4.FormatAmzDate(signingTime);
            var date = amzDate[..8];
            var host = endpoint.Authority;
            var contentType = request.Content.Headers.ContentType.ToString();
            var canonical = SigV4.CanonicalRequest(
                "POST",
                "/",
                string.Empty,
                [new("content-type", contentType), new("host", host), new("x-amz-date", amzDate)],
                "content-type;host;x-amz-date",
                SigV4.Sha256Hex(body));
            var scope = string.Create(CultureInfo.InvariantCulture, $"{date}/us-east-1/sts/aws4_request");
            var signature = SigV4.Signature(SigV4.SigningKey(secretAccessKey, date, "us-east-1", "sts"), SigV4.StringToSign(amzDate, scope, canonical));
            request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
            request.Headers.TryAddWithoutValidation(
                "Authorization", $"AWS4-HMAC-SHA256 Credential={accessKeyId}/{scope}, SignedHeaders=content-type;host;x-amz-date, Signature={signature}");
        }

        return await _http.SendAsync(request);
    }

    public void Dispose() => _http.Dispose();
}
