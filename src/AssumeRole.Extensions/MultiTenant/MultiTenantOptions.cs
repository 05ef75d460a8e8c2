using System.ComponentModel.DataAnnotations;
using Amazon.Runtime;

namespace AssumeRole.Extensions;

/// <summary>Options of <see cref="IAssumeRoleCredentialsFactory"/>: what every tenant role shares, and the limits.</summary>
public class MultiTenantOptions
{
    /// <summary>Gets or sets how many tenant providers are kept; beyond it the least recently used are evicted.</summary>
    /// <value>The default value is 10,000.</value>
    [Range(1, 1_000_000)]
    public int MaxTenants { get; set; } = MultiTenantDefaults.MaxTenants;

    /// <summary>Gets or sets how long an unused tenant provider is kept.</summary>
    /// <value>The default value is 15 minutes; 1 second to 1 day.</value>
    public TimeSpan IdleTimeout { get; set; } = MultiTenantDefaults.IdleTimeout;

    /// <summary>
    /// Gets or sets how many tenant STS calls may start in any one-second window. Further calls queue (oldest first).
    /// STS allows 600 requests per second per account and region, shared by every caller of the account.
    /// </summary>
    /// <value>The default value is 50.</value>
    [Range(1, 10_000)]
    public int StsCallsPerSecond { get; set; } = MultiTenantDefaults.StsCallsPerSecond;

    /// <summary>Gets or sets how many STS calls may wait for the rate limiter; more fail at once with a transient error.</summary>
    /// <value>The default value is 100,000.</value>
    [Range(0, int.MaxValue)]
    public int QueueLimit { get; set; } = MultiTenantDefaults.QueueLimit;

    /// <summary>
    /// Gets or sets how many times a transient STS failure is retried within one refresh attempt. Every retry is an
    /// STS call that bypasses the rate limiter, so the default is none: the engine's backoff retries later instead.
    /// </summary>
    /// <value>The default value is 0.</value>
    [Range(0, 10)]
    public int MaxStsRetries { get; set; }

    /// <summary>Gets or sets the session name of tenant sessions when the caller gives none (2–64 characters from <c>[\w+=,.@-]</c>).</summary>
    /// <value>The default value is <see langword="null"/>: derived from the entry assembly and machine name.</value>
    public string? RoleSessionName { get; set; }

    /// <summary>Gets or sets the requested session duration of tenant sessions in seconds (900–43200).</summary>
    /// <value>The default value is <see langword="null"/> (STS's default, 3600 seconds).</value>
    [Range(900, 43200)]
    public int? DurationSeconds { get; set; }

    /// <summary>Gets or sets the STS region for tenant calls.</summary>
    /// <value>The default value is <see langword="null"/>: the SDK's region resolution, then <c>us-east-1</c>.</value>
    public string? Region { get; set; }

    /// <summary>Gets or sets an explicit STS endpoint URL (VPC endpoint, emulator).</summary>
    /// <value>The default value is <see langword="null"/> (the regional endpoint).</value>
    public string? ServiceUrl { get; set; }

    /// <summary>
    /// Gets or sets the name of a registered role (<c>AddAssumeRole(name, …)</c>; the empty string for the default role)
    /// whose credentials call STS for the tenants — the "hub" role of a hub-and-spoke setup.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: <see cref="SourceCredentials"/>, else the SDK's default chain.</value>
    public string? SourceRole { get; set; }

    /// <summary>Gets or sets the credentials that call STS for the tenants, when <see cref="SourceRole"/> is not set.</summary>
    /// <value>The default value is <see langword="null"/> (the SDK's default credential chain).</value>
    public AWSCredentials? SourceCredentials { get; set; }
}
