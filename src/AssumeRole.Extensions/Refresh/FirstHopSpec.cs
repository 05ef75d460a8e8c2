using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AssumeRole.Extensions.Sts;

namespace AssumeRole.Extensions.Refresh;

/// <summary>
/// A first hop that is not an AssumeRole call: a web identity exchange or a GetSessionToken call, normalized at
/// construction (environment fallbacks resolved) so that a running session never changes under the options.
/// </summary>
internal sealed class FirstHopSpec
{
    public const string SessionTokenLabel = "sts:GetSessionToken";

    private FirstHopSpec(bool isWebIdentity, StsEndpoint endpoint, int count)
    {
        IsWebIdentity = isWebIdentity;
        Endpoint = endpoint;
        Count = count;
    }

    public bool IsWebIdentity { get; }

    public StsEndpoint Endpoint { get; }

    /// <summary>Hops in the whole chain, this one included.</summary>
    public int Count { get; }

    public string? RoleArn { get; private init; }

    public string? TokenFile { get; private init; }

    public string? RoleSessionName { get; private init; }

    public int? DurationSeconds { get; private init; }

    public string? Policy { get; private init; }

    public string? MfaSerialNumber { get; private init; }

    public Func<CancellationToken, ValueTask<string>>? TokenCodeProvider { get; private init; }

    /// <summary>What logs and errors call this hop: the role for web identity, the STS action for a session token.</summary>
    public string Label => IsWebIdentity ? RoleArn! : SessionTokenLabel;

    /// <summary>The number of non-AssumeRole hops the options ask for (0 or 1).</summary>
    public static int CountIn(AssumeRoleOptions options) => options.WebIdentity is not null || options.SessionToken is not null ? 1 : 0;

    /// <summary>Resolves a web identity hop's values, falling back to the IRSA environment variables.</summary>
    public static (string? RoleArn, string? TokenFile, string? SessionName) ResolveWebIdentity(WebIdentityOptions options, Func<string, string?>? getEnv = null)
    {
        getEnv ??= Environment.GetEnvironmentVariable;
        return (
            NullIfEmpty(options.RoleArn) ?? NullIfEmpty(getEnv("AWS_ROLE_ARN")),
            NullIfEmpty(options.WebIdentityTokenFile) ?? NullIfEmpty(getEnv("AWS_WEB_IDENTITY_TOKEN_FILE")),
            NullIfEmpty(options.RoleSessionName) ?? NullIfEmpty(getEnv("AWS_ROLE_SESSION_NAME")));
    }

    public static FirstHopSpec? From(AssumeRoleOptions options, int chainCount)
    {
        var endpoint = StsEndpoint.For(options, options);
        if (options.WebIdentity is { } wi)
        {
            var (roleArn, tokenFile, sessionName) = ResolveWebIdentity(wi);
            return new FirstHopSpec(isWebIdentity: true, endpoint, chainCount + 1)
            {
                RoleArn = roleArn,
                TokenFile = tokenFile,
                RoleSessionName = sessionName ?? HopSpec.DefaultSessionName(),
                DurationSeconds = wi.DurationSeconds,
                Policy = wi.Policy,
            };
        }

        if (options.SessionToken is { } st)
        {
            return new FirstHopSpec(isWebIdentity: false, endpoint, chainCount + 1)
            {
                DurationSeconds = st.DurationSeconds,
                MfaSerialNumber = st.MfaSerialNumber,
                TokenCodeProvider = st.TokenCodeProvider,
            };
        }

        return null;
    }

    /// <summary>
    /// The session key. A web identity session does not depend on any source credentials, only on the token file; a
    /// session token depends on the IAM user that asked for it.
    /// </summary>
    public string ComputeKey(string sourcePrincipal)
    {
        var sb = new StringBuilder(256);
        void Field(string name, string? value) => sb.Append(name).Append('=').Append(value?.Length ?? -1).Append(':').Append(value).Append('\n');
        Field("v", "1");
        Field("kind", IsWebIdentity ? "web-identity" : "session-token");
        Field("source", IsWebIdentity ? null : sourcePrincipal);
        Field("region", Endpoint.Region);
        Field("url", Endpoint.ServiceUrl);
        Field("role", RoleArn);
        Field("file", TokenFile);
        Field("name", RoleSessionName);
        Field("dur", DurationSeconds?.ToString(CultureInfo.InvariantCulture));
        Field("policy", Policy);
        Field("mfa", MfaSerialNumber);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    public override string ToString() => IsWebIdentity
        ? $"hop 1/{Count} web identity {RoleArn} as {RoleSessionName}"
        : $"hop 1/{Count} {SessionTokenLabel}";

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
