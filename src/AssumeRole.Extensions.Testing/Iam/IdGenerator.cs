using System.Security.Cryptography;

namespace AssumeRole.Extensions.Testing.Iam;

/// <summary>Makes identifiers shaped like AWS's, from a cryptographic random source so that they never collide.</summary>
internal static class IdGenerator
{
    // AWS access key ids and unique ids use upper-case base32 characters after the four-letter prefix.
    private const string Base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private const string Base64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    public static string LongTermAccessKeyId() => "AKIA" + RandomNumberGenerator.GetString(Base32, 16);

    public static string TemporaryAccessKeyId() => "ASIA" + RandomNumberGenerator.GetString(Base32, 16);

    public static string UserId() => "AIDA" + RandomNumberGenerator.GetString(Base32, 17);

    public static string RoleId() => "AROA" + RandomNumberGenerator.GetString(Base32, 17);

    public static string SecretAccessKey() => RandomNumberGenerator.GetString(Base64, 40);

    // Real session tokens are long opaque base64 strings; clients must pass them through untouched.
    public static string SessionToken() => "IQoJb3JpZ2luX2VjE" + RandomNumberGenerator.GetString(Base64, 239);
}
