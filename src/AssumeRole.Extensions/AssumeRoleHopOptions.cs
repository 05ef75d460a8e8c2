using Amazon.Runtime;

namespace AssumeRole.Extensions;

/// <summary>
/// The parameters of one <c>sts:AssumeRole</c> call: the role to assume and everything STS accepts with it.
/// </summary>
/// <remarks>
/// <see cref="AssumeRoleOptions"/> derives from this type for the target role; <see cref="AssumeRoleOptions.Chain"/>
/// holds the intermediate hops of a role chain. Every value is validated before any STS call, with the limits STS
/// itself enforces.
/// </remarks>
public class AssumeRoleHopOptions
{
    /// <summary>Gets or sets the ARN of the role to assume, <c>arn:PARTITION:iam::ACCOUNT:role/[path/]NAME</c>.</summary>
    /// <value>The default value is <see langword="null"/>; a value is required.</value>
    public string? RoleArn { get; set; }

    /// <summary>
    /// Gets or sets the role session name, 2–64 characters from <c>[\w+=,.@-]</c>. It appears in CloudTrail and in
    /// the assumed-role ARN. On <see cref="AssumeRoleOptions"/> it is also the default for every hop of
    /// <see cref="AssumeRoleOptions.Chain"/>, like <see cref="Region"/> and <see cref="ServiceUrl"/>.
    /// </summary>
    /// <value>
    /// The default value is <see langword="null"/>: a hop of the chain takes the role's session name; without one, a
    /// name derived from the entry assembly and the machine name, sanitized to the allowed characters (for example
    /// <c>MyService@web-01</c>).
    /// </value>
    public string? RoleSessionName { get; set; }

    /// <summary>
    /// Gets or sets the external ID the role's trust policy requires (2–1224 characters from <c>[\w+=,.@:/-]</c>).
    /// It is treated as a secret: it never appears in logs, exception messages, metrics or <c>ToString</c>.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (not sent).</value>
    public string? ExternalId { get; set; }

    /// <summary>Gets or sets the requested session duration in seconds (900–43200).</summary>
    /// <value>
    /// The default value is <see langword="null"/>, which lets STS apply its default of 3600 seconds. A chained hop is
    /// capped at 3600 seconds (see <see cref="AssumeRoleOptions.StrictChainDurations"/>).
    /// </value>
    public int? DurationSeconds { get; set; }

    /// <summary>Gets or sets an inline session policy (JSON, at most 2048 characters).</summary>
    /// <value>The default value is <see langword="null"/> (not sent).</value>
    public string? Policy { get; set; }

    /// <summary>Gets the ARNs of managed policies to use as session policies (at most 10).</summary>
    /// <value>The default value is an empty list.</value>
    public IList<string> PolicyArns { get; set; } = [];

    /// <summary>Gets the session tags (at most 50; key 1–128 and value 0–256 characters; keys case-insensitive).</summary>
    /// <value>The default value is an empty dictionary.</value>
    public IDictionary<string, string> Tags { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets the keys of <see cref="Tags"/> that pass to later hops of a role chain (at most 50).</summary>
    /// <value>The default value is an empty list.</value>
    public IList<string> TransitiveTagKeys { get; set; } = [];

    /// <summary>
    /// Gets or sets the source identity (2–64 characters from <c>[\w+=,.@-]</c>, not starting with <c>aws:</c>). Once set
    /// in a chain it cannot change.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (not sent).</value>
    public string? SourceIdentity { get; set; }

    /// <summary>
    /// Gets the trusted contexts sent for trusted identity propagation (<c>ProvidedContexts</c>; at most 5, each with a
    /// provider ARN and a context assertion). An empty list sends none.
    /// </summary>
    /// <value>The default value is an empty list.</value>
    public IList<AssumeRoleProvidedContext> ProvidedContexts { get; set; } = [];

    /// <summary>
    /// Gets or sets the serial number or ARN of the MFA device (9–256 characters from <c>[\w+=/:,.@-]</c>). When set,
    /// <see cref="TokenCodeProvider"/> must be set too.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (no MFA).</value>
    public string? MfaSerialNumber { get; set; }

    /// <summary>
    /// Gets or sets the callback that returns a fresh six-digit MFA token code. It is called for every STS call that
    /// needs a code, since STS accepts each code once.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Func<CancellationToken, ValueTask<string>>? TokenCodeProvider { get; set; }

    /// <summary>
    /// Gets or sets the region of the STS endpoint used for this hop. On <see cref="AssumeRoleOptions"/> it is also
    /// the default for every hop of <see cref="AssumeRoleOptions.Chain"/>.
    /// </summary>
    /// <value>
    /// The default value is <see langword="null"/>: a hop of the chain takes the role's region; the role takes, through
    /// dependency injection, the region of the app's <c>AWSOptions</c> (<c>AWS:Region</c>, what its SDK clients use);
    /// then the SDK's region resolution (<c>AWS_REGION</c>, <c>AWS_DEFAULT_REGION</c>, the profile), then <c>us-east-1</c>.
    /// Log event 1 reports the STS endpoint used.
    /// </value>
    public string? Region { get; set; }

    /// <summary>
    /// Gets or sets an explicit STS endpoint URL for this hop (a VPC endpoint, or an emulator in tests). On
    /// <see cref="AssumeRoleOptions"/> it is also the default for every hop of <see cref="AssumeRoleOptions.Chain"/>.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the registration's URL, else the regional endpoint.</value>
    public string? ServiceUrl { get; set; }

    /// <summary>
    /// The AWS CLI profile this hop was read from (<see cref="AssumeRoleOptions.FromProfile"/>), as the CLI would send
    /// it to AssumeRole; it lets the file cache share the CLI's entry for this call (see <see cref="Caching.AwsCliCacheName"/>).
    /// </summary>
    internal Caching.AwsProfileHop? FromAwsProfile { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"{GetType().Name} {{ RoleArn = {RoleArn}, RoleSessionName = {RoleSessionName} }}";
}
