using Amazon.Runtime;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;

namespace AssumeRole.Extensions;

/// <summary>
/// Options of an <see cref="AssumeRoleCredentials"/> provider: the target role (the properties inherited from
/// <see cref="AssumeRoleHopOptions"/>), an optional chain of roles assumed before it, the source credentials and the
/// refresh behaviour.
/// </summary>
public class AssumeRoleOptions : AssumeRoleHopOptions
{
    /// <summary>
    /// The name of the default role (the one <c>AddAssumeRole(section)</c> registers): its named-options name and its
    /// service key. It is <see cref="Microsoft.Extensions.Options.Options.DefaultName"/>, the empty string, so
    /// <c>services.Configure&lt;AssumeRoleOptions&gt;(o =&gt; …)</c> configures it; messages call it <c>'default'</c>, a
    /// name no other role may take. Options configured for the name <c>"default"</c> stop the host at start-up with a
    /// message saying so, instead of being silently ignored.
    /// </summary>
    public const string DefaultRoleName = "";

    /// <summary>
    /// Gets the roles assumed before <see cref="AssumeRoleHopOptions.RoleArn"/>, first to last: <c>Chain[0]</c> is assumed
    /// with the source credentials, each later hop with the previous hop's session, and the target role with the last.
    /// </summary>
    /// <value>The default value is an empty list (a single hop).</value>
    public IList<AssumeRoleHopOptions> Chain { get; set; } = [];

    /// <summary>
    /// Gets or sets a web identity exchange (<c>AssumeRoleWithWebIdentity</c>, e.g. EKS IRSA) made before the first role of
    /// the chain. Exclusive with <see cref="SessionToken"/> and <see cref="SourceCredentials"/>.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (the first hop is an AssumeRole call).</value>
    public WebIdentityOptions? WebIdentity { get; set; }

    /// <summary>
    /// Gets or sets a <c>GetSessionToken</c> call (usually with MFA) made with <see cref="SourceCredentials"/> before the
    /// first role of the chain, so that one MFA code serves every hop above it. Exclusive with <see cref="WebIdentity"/>.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (the first hop is an AssumeRole call).</value>
    public SessionTokenOptions? SessionToken { get; set; }

    /// <summary>
    /// Gets or sets the credentials used to call STS for the first hop.
    /// </summary>
    /// <value>The default value is <see langword="null"/>, which uses the AWS SDK's default credential chain.</value>
    public AWSCredentials? SourceCredentials { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the first hop's source credentials are themselves a role session
    /// (web identity, container role, an assumed-role profile), which makes every hop chained and capped at 3600 s.
    /// </summary>
    /// <value>
    /// The default value is <see langword="null"/>: detected from the source (our own providers, temporary <c>ASIA</c>
    /// keys, and the SDK's web identity and container providers count as role sessions).
    /// </value>
    public bool? SourceIsRoleSession { get; set; }

    /// <summary>
    /// Gets or sets how long before expiry a refresh starts in the background while callers keep the current
    /// credentials.
    /// </summary>
    /// <value>
    /// The default value is <see langword="null"/>: derived from the session lifetime L — 5 minutes when L ≤ 20 minutes,
    /// 15 minutes when L &lt; 90 minutes, else 60 minutes. Must exceed <see cref="MandatoryRefreshWindow"/>.
    /// </value>
    public TimeSpan? AdvisoryRefreshWindow { get; set; }

    /// <summary>
    /// Gets or sets how long before expiry credentials stop being handed out: callers then wait for the refresh.
    /// </summary>
    /// <value>The default value is <see langword="null"/>, which means 1 minute.</value>
    public TimeSpan? MandatoryRefreshWindow { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether a chained hop that asks for more than 3600 seconds fails at start-up
    /// instead of being clamped to 3600 seconds with a warning.
    /// </summary>
    /// <value>The default value is <see langword="false"/> (clamp and warn).</value>
    public bool StrictChainDurations { get; set; }

    /// <summary>
    /// Builds options from an AWS CLI profile in the shared config and credentials files, resolved as the AWS CLI does:
    /// <c>role_arn</c>, <c>source_profile</c> chains (each profile a hop), <c>credential_source</c> (<c>Environment</c>,
    /// <c>Ec2InstanceMetadata</c>, <c>EcsContainer</c>), <c>external_id</c>, <c>mfa_serial</c>, <c>role_session_name</c>,
    /// <c>duration_seconds</c> (honoured, unlike the AWS SDK for .NET), <c>web_identity_token_file</c>, <c>region</c> and
    /// <c>endpoint_url</c>.
    /// </summary>
    /// <param name="profileName">
    /// The profile; <see langword="null"/> for <c>AWS_PROFILE</c>, then <c>default</c>. The files are <c>~/.aws/config</c>
    /// and <c>~/.aws/credentials</c>, or <c>AWS_CONFIG_FILE</c> and <c>AWS_SHARED_CREDENTIALS_FILE</c>.
    /// </param>
    /// <param name="tokenCodeProvider">Returns a fresh MFA code; required when a profile of the chain has <c>mfa_serial</c>.</param>
    /// <returns>New options; adjust them (refresh windows, strict durations…) before constructing the provider.</returns>
    /// <exception cref="ArgumentException">
    /// The profile is missing or invalid: a missing source profile, a <c>source_profile</c> cycle, more than 10 roles, both
    /// <c>source_profile</c> and <c>credential_source</c>, or <c>mfa_serial</c> without a provider. The message names the profiles.
    /// </exception>
    public static AssumeRoleOptions FromProfile(string? profileName = null, Func<CancellationToken, ValueTask<string>>? tokenCodeProvider = null) =>
        Profiles.ProfileChainBuilder.Build(profileName, tokenCodeProvider);

    /// <summary>Gets or sets the timeout of one STS request.</summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan StsRequestTimeout { get; set; } = AssumeRoleDefaults.StsRequestTimeout;

    /// <summary>
    /// Gets or sets how long a <see cref="AssumeRoleHopOptions.TokenCodeProvider"/> (or
    /// <see cref="SessionTokenOptions.TokenCodeProvider"/>) may take to return an MFA code. The prompt is not an STS
    /// request: <see cref="StsRequestTimeout"/> does not apply to it. A provider that has not answered by then fails
    /// that refresh with the error code <c>MfaTokenCodeTimeout</c> (callers waiting for it get the error); it is asked
    /// again at the next refresh.
    /// </summary>
    /// <value>The default value is 1 minute.</value>
    public TimeSpan MfaTokenCodeTimeout { get; set; } = AssumeRoleDefaults.MfaTokenCodeTimeout;

    /// <summary>Gets or sets how many times a transient STS failure (throttling, 5xx, timeout, connection error) is retried within one refresh attempt.</summary>
    /// <value>The default value is 2.</value>
    public int MaxStsRetries { get; set; } = 2;

    /// <summary>
    /// Gets or sets a directory in which sessions are also cached as files in the AWS CLI's cache format (one file per
    /// session, mode 0600, written atomically), so that the next run on a developer machine skips STS (and the MFA
    /// prompt). <c>~</c> expands to the home directory; the AWS CLI's own is <c>~/.aws/cli/cache</c>.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (no file cache).</value>
    public string? FileCacheDirectory { get; set; }

    /// <summary>
    /// Gets or sets a distributed cache (for example Redis) shared by a fleet: read before calling STS, written after.
    /// Requires <see cref="DataProtectionProvider"/>, since cached credentials are sealed at rest.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (no distributed cache).</value>
    public IDistributedCache? DistributedCache { get; set; }

    /// <summary>
    /// Gets or sets the ASP.NET Core Data Protection provider that seals sessions in <see cref="DistributedCache"/>.
    /// Every member of the fleet must share its key ring.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public IDataProtectionProvider? DataProtectionProvider { get; set; }

    /// <summary>
    /// Gets or sets the timeout of one read or write of a second-level cache (<see cref="FileCacheDirectory"/>,
    /// <see cref="DistributedCache"/>) and of one fleet lease operation. A cache that does not answer in time is skipped
    /// (STS is called instead); writes run in the background and never delay a caller.
    /// </summary>
    /// <value>The default value is 250 milliseconds.</value>
    public TimeSpan SecondLevelCacheTimeout { get; set; } = AssumeRoleDefaults.SecondLevelCacheTimeout;

    /// <summary>
    /// Gets or sets how long a second-level cache (or the fleet coordinator) is skipped once it has failed: its circuit
    /// breaker, shared by every session that uses the same cache, then lets one call through to probe it. A dead cache
    /// so costs one timeout per break interval, not one per new session.
    /// </summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan SecondLevelCacheBreakDuration { get; set; } = AssumeRoleDefaults.SecondLevelCacheBreakDuration;

    /// <summary>
    /// Gets or sets a value indicating whether the second-level caches (and fleet coordination) key a session whose
    /// source is a role session known only by its caller ARN (an instance or container role, the SDK's providers) by
    /// the source <em>role</em> rather than the source <em>session</em>, so that every session of that role shares
    /// the target sessions. By default the key includes the source's session name, and sessions of different source
    /// sessions never mix.
    /// </summary>
    /// <remarks>
    /// Set it only when the source role's sessions are interchangeable (EC2 or ECS instance roles whose session names
    /// differ per instance). A shared target session gives up what tells the source sessions apart: the source
    /// identity and session name STS attributes the target session to (CloudTrail shows the session that first
    /// assumed it), session policies and session tags of the source session (transitive tags included), and trust
    /// policy conditions on the source's session name or tags, which are evaluated only for the session that called STS.
    /// </remarks>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool ShareSessionsAcrossSourceSessions { get; set; }

    /// <summary>Where <see cref="FromProfile"/> said the chain starts; the CLI's cache names hold only while it still does.</summary>
    internal Caching.AwsProfileSource? FromAwsProfileSource { get; set; }

    /// <summary>
    /// Gets or sets the coordinator that lets a fleet sharing <see cref="DistributedCache"/> make one STS call per
    /// session, even when all of it starts at once (for Redis: <c>RedisFleetCoordinator</c> in the package
    /// <c>AssumeRole.Extensions.StackExchangeRedis</c>). Requires <see cref="DistributedCache"/>.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (each process that misses the cache calls STS).</value>
    public IFleetCoordinator? FleetCoordinator { get; set; }
}
