using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace AssumeRole.Extensions.Caching;

/// <summary>
/// In-process identity: who calls STS, so that sessions of different source principals never mix in the process-wide
/// session cache. Static credentials are identified by a hash of their key, secret and token (a wrong secret is a
/// different principal), refreshing credentials by the identity of the object (a per-process counter), and our own
/// sessions by their session key. Unique inside one process only: the second-level caches use its cross-process
/// twin, <see cref="StablePrincipal"/>, and nothing from here reaches their keys.
/// </summary>
internal static class SourcePrincipal
{
    private static readonly ConditionalWeakTable<AWSCredentials, string> s_instanceIds = new();
    private static long s_nextInstanceId;
    private static readonly Lazy<AWSCredentials> s_defaultChain = new(() => DefaultAWSCredentialsIdentityResolver.GetCredentials(null));

    /// <summary>The SDK's default credential chain, resolved once per process so every provider shares it.</summary>
    public static AWSCredentials DefaultChain => s_defaultChain.Value;

    public static string KeyOf(AWSCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        switch (credentials)
        {
            case AssumeRoleCredentials ours:
                return "session:" + ours.SessionKey;
            case BasicAWSCredentials or SessionAWSCredentials:
                return KeyOfKeys(credentials.GetCredentials());
            default:
                return "instance:" + s_instanceIds.GetValue(credentials, static _ => Interlocked.Increment(ref s_nextInstanceId).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>The principal of resolved keys: a hash of key, secret and token, so a wrong secret is another principal.</summary>
    public static string KeyOfKeys(ImmutableCredentials c)
    {
        var material = $"{c.AccessKey}\n{c.SecretKey}\n{c.Token}";
        return "static:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(material)));
    }

    /// <summary>
    /// Whether assuming a role from these credentials is role chaining (STS then caps the session at one hour).
    /// </summary>
    public static bool IsRoleSession(AWSCredentials credentials)
    {
        switch (credentials)
        {
            case AssumeRoleCredentials:
            case AssumeRoleWithWebIdentityCredentials:
            case GenericContainerCredentials:
            case AssumeRoleAWSCredentials:
                return true;
            case InstanceProfileAWSCredentials:
                return false; // documented as not chaining
            case BasicAWSCredentials or SessionAWSCredentials:
                // Temporary keys (ASIA…) come from AssumeRole or GetSessionToken: both count as chaining.
                return credentials.GetCredentials().AccessKey?.StartsWith("ASIA", StringComparison.Ordinal) == true;
            default:
                return false;
        }
    }
}
