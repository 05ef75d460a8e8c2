namespace AssumeRole.Extensions;

/// <summary>Defaults of <see cref="MultiTenantOptions"/>, in one place for the docs and the code.</summary>
internal static class MultiTenantDefaults
{
    public const int MaxTenants = 10_000;
    public const int StsCallsPerSecond = 50;
    public const int QueueLimit = 100_000;
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(1);
}
