using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using AssumeRole.Extensions.Sts;

namespace AssumeRole.Extensions.Refresh;

/// <summary>
/// An immutable, normalized copy of one hop's parameters, taken at construction so that later changes to the options
/// object cannot change a running session. Also computes the part of the session key the hop contributes.
/// </summary>
internal sealed partial class HopSpec
{
    private static readonly Lazy<string> s_defaultSessionName = new(DefaultSessionName);

    public HopSpec(AssumeRoleHopOptions hop, AssumeRoleOptions registration, int index, int count, int? durationSeconds)
    {
        RoleArn = hop.RoleArn!;
        // A hop without a session name takes the role's, like Region and ServiceUrl: one name identifies the app in
        // CloudTrail along the whole chain.
        RoleSessionName = hop.RoleSessionName ?? registration.RoleSessionName ?? s_defaultSessionName.Value;
        ExternalId = hop.ExternalId;
        DurationSeconds = durationSeconds;
        Policy = hop.Policy;
        // Empty lists become the shared empty array: thousands of tenant sessions need not carry three each.
        PolicyArns = hop.PolicyArns is { Count: > 0 } arns ? [.. arns] : [];
        Tags = hop.Tags is { Count: > 0 } tags ? [.. tags.OrderBy(t => t.Key, StringComparer.OrdinalIgnoreCase)] : [];
        TransitiveTagKeys = hop.TransitiveTagKeys is { Count: > 0 } keys ? [.. keys] : [];
        SourceIdentity = hop.SourceIdentity;
        ProvidedContexts = hop.ProvidedContexts is { Count: > 0 } contexts
            ? [.. contexts.Select(c => KeyValuePair.Create(c.ProviderArn!, c.ContextAssertion!))]
            : [];
        MfaSerialNumber = hop.MfaSerialNumber;
        TokenCodeProvider = hop.TokenCodeProvider;
        Endpoint = StsEndpoint.For(hop, registration);
        Index = index;
        Count = count;
    }

    public string RoleArn { get; }

    public string RoleSessionName { get; }

    public string? ExternalId { get; }

    public int? DurationSeconds { get; }

    /// <summary>The duration the options asked for when the chaining cap clamped it to <see cref="DurationSeconds"/>.</summary>
    public int? ClampedFromSeconds { get; init; }

    /// <summary>Whether the planner knows this hop's source to be a role session (STS's one-hour chaining cap applies).</summary>
    public bool Chained { get; init; }

    public string? Policy { get; }

    public string[] PolicyArns { get; }

    public KeyValuePair<string, string>[] Tags { get; }

    public string[] TransitiveTagKeys { get; }

    public string? SourceIdentity { get; }

    /// <summary>Trusted contexts: provider ARN and assertion (a credential: hashed into the key, never shown).</summary>
    public KeyValuePair<string, string>[] ProvidedContexts { get; }

    public string? MfaSerialNumber { get; }

    public Func<CancellationToken, ValueTask<string>>? TokenCodeProvider { get; }

    public StsEndpoint Endpoint { get; }

    /// <summary>1-based position in the chain.</summary>
    public int Hop => Index + 1;

    public int Index { get; }

    public int Count { get; }

    /// <summary>
    /// The session key: a SHA-256 over the source principal and every parameter that changes what STS returns (not
    /// the MFA code, which changes every call). Two providers with equal keys would make the identical call and so
    /// share one session. The external ID is hashed into it, never stored in clear.
    /// </summary>
    public string ComputeKey(string sourcePrincipal)
    {
        var sb = new StringBuilder(256);
        void Field(string name, string? value) => sb.Append(name).Append('=').Append(value?.Length ?? -1).Append(':').Append(value).Append('\n');
        Field("v", "1");
        Field("source", sourcePrincipal);
        Field("region", Endpoint.Region);
        Field("url", Endpoint.ServiceUrl);
        Field("role", RoleArn);
        Field("name", RoleSessionName);
        Field("ext", ExternalId);
        Field("dur", DurationSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field("policy", Policy);
        foreach (var arn in PolicyArns)
        {
            Field("parn", arn);
        }

        foreach (var (k, v) in Tags)
        {
            Field("tag", k);
            Field("val", v);
        }

        foreach (var k in TransitiveTagKeys.Order(StringComparer.OrdinalIgnoreCase))
        {
            Field("ttk", k);
        }

        Field("si", SourceIdentity);
        foreach (var (provider, assertion) in ProvidedContexts)
        {
            Field("pcp", provider);
            Field("pca", assertion);
        }

        Field("mfa", MfaSerialNumber);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    public override string ToString() => $"hop {Hop}/{Count} {RoleArn} as {RoleSessionName}";

    // ASCII, as STS's [\w+=,.@-] is (Java's \w): a machine or assembly name with "ü" must not reach STS.
    [GeneratedRegex(@"[^A-Za-z0-9_+=,.@-]", RegexOptions.CultureInvariant)]
    private static partial Regex DisallowedSessionNameChars();

    /// <summary>Entry assembly name and machine name, e.g. <c>OrderService@web-01</c>, sanitized to STS's pattern.</summary>
    internal static string DefaultSessionName()
    {
        var app = Assembly.GetEntryAssembly()?.GetName().Name ?? "AssumeRole.Extensions";
        return SanitizeSessionName($"{app}@{Environment.MachineName}");
    }

    internal static string SanitizeSessionName(string candidate)
    {
        var name = DisallowedSessionNameChars().Replace(candidate, "-");
        if (name.Length > 64)
        {
            name = name[..64];
        }

        return name.Length < 2 ? "assume-role-session" : name;
    }
}
