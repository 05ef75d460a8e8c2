using System.Diagnostics.CodeAnalysis;

namespace AssumeRole.Extensions.Testing.Signing;

/// <summary>
/// A parsed SigV4 <c>Authorization</c> header:
/// <c>AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/SERVICE/aws4_request, SignedHeaders=a;b, Signature=HEX</c>.
/// </summary>
internal sealed record AuthorizationHeader(
    string AccessKeyId,
    string ScopeDate,
    string Region,
    string Service,
    string SignedHeaders,
    string Signature)
{
    public string CredentialScope => $"{ScopeDate}/{Region}/{Service}/aws4_request";

    public IReadOnlyList<string> SignedHeaderNames => SignedHeaders.Split(';');

    /// <summary>Parses the header; on failure <paramref name="error"/> holds an IncompleteSignature message.</summary>
    public static bool TryParse(string value, [NotNullWhen(true)] out AuthorizationHeader? header, [NotNullWhen(false)] out string? error)
    {
        header = null;
        var space = value.IndexOf(' ', StringComparison.Ordinal);
        var algorithm = space < 0 ? value : value[..space];
        if (!string.Equals(algorithm, SigV4.Algorithm, StringComparison.Ordinal))
        {
            error = $"Unsupported AWS 'algorithm': '{algorithm}'.";
            return false;
        }

        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in value[(space + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                parameters[part[..equals]] = part[(equals + 1)..];
            }
        }

        var missing = new[] { "Credential", "SignedHeaders", "Signature" }.Where(name => !parameters.ContainsKey(name)).ToList();
        if (missing.Count > 0)
        {
            error = string.Concat(missing.Select(name => $"Authorization header requires '{name}' parameter. ")) + $"Authorization={value}";
            return false;
        }

        var scope = parameters["Credential"].Split('/');
        if (scope.Length != 5 || scope[4] != "aws4_request" || scope[0].Length == 0)
        {
            error = $"Credential should be scoped to a valid region, not '{(scope.Length > 2 ? scope[2] : string.Empty)}'. ";
            return false;
        }

        header = new AuthorizationHeader(scope[0], scope[1], scope[2], scope[3], parameters["SignedHeaders"], parameters["Signature"]);
        error = null;
        return true;
    }
}
