using Microsoft.AspNetCore.Http;

namespace AssumeRole.Extensions.Testing.Signing;

/// <summary>What SigV4 verification reads from a request: method, raw target, headers and the raw body bytes.</summary>
internal sealed record SignedRequest(string Method, string RawPath, string RawQuery, IHeaderDictionary Headers, byte[] Body);
