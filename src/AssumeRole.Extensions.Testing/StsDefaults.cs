namespace AssumeRole.Extensions.Testing;

/// <summary>Defaults and limits taken from the STS API reference, kept in one place.</summary>
internal static class StsDefaults
{
    public const string Region = "us-east-1";
    public const string AccountId = "123456789012";
    public const string XmlNamespace = "https://sts.amazonaws.com/doc/2011-06-15/";
    public const string ApiVersion = "2011-06-15";

    public static readonly TimeSpan AllowedClockSkew = TimeSpan.FromMinutes(15);

    public const int MinDurationSeconds = 900;
    public const int MaxDurationSeconds = 43200;
    public const int DefaultDurationSeconds = 3600;
    public const int ChainedMaxDurationSeconds = 3600;

    public static readonly TimeSpan MinRoleMaxSessionDuration = TimeSpan.FromHours(1);
    public static readonly TimeSpan MaxRoleMaxSessionDuration = TimeSpan.FromHours(12);

    public const int GetSessionTokenDefaultSeconds = 43200;
    public const int GetSessionTokenMinSeconds = 900;
    public const int GetSessionTokenMaxSeconds = 129600;

    public const int MaxPolicyLength = 2048;
    public const int MaxPolicyArns = 10;
    public const int MaxTags = 50;
    public const int MaxTagKeyLength = 128;
    public const int MaxTagValueLength = 256;
    public const int MaxProvidedContexts = 5;
}
