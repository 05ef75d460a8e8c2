using System.Globalization;
using System.Text.RegularExpressions;

namespace AssumeRole.Extensions.Validation;

/// <summary>
/// Checks options against the limits STS enforces (see the AssumeRole API reference), so that a bad value fails
/// before any STS call with a message naming the field and the rule. Secret values (the external ID) are never echoed.
/// </summary>
internal static partial class AssumeRoleOptionsValidator
{
    internal const int MinDuration = 900;
    internal const int MaxDuration = 43200;
    internal const int ChainedMaxDuration = 3600;
    internal const int MaxSessionTokenDuration = 129600;

    [GeneratedRegex(@"^arn:[\w+=,.@-]+:iam::\d{12}:role/([\w+=,.@/-]+/)?[\w+=,.@-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex RoleArnPattern();

    [GeneratedRegex(@"^[\w+=,.@-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex SessionNamePattern();

    [GeneratedRegex(@"^[\w+=,.@:/-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex ExternalIdPattern();

    [GeneratedRegex(@"^[\w+=/:,.@-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex SerialNumberPattern();

    [GeneratedRegex(@"^arn:[\w+=,.@-]+:iam::(\d{12}|aws):policy/.+$", RegexOptions.CultureInvariant)]
    private static partial Regex PolicyArnPattern();

    /// <summary>Validates the whole registration: the target role, every hop of the chain and the engine settings.</summary>
    public static List<string> Validate(AssumeRoleOptions options, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var prefix = string.IsNullOrEmpty(name) ? string.Empty : $"Role '{name}': ";

        var hops = options.Chain ?? [];
        for (var i = 0; i < hops.Count; i++)
        {
            if (hops[i] is null)
            {
                failures.Add($"{prefix}Chain[{i}] is null.");
                continue;
            }

            ValidateHop(hops[i], $"{prefix}Chain[{i}].", failures);
        }

        ValidateHop(options, prefix, failures);
        ValidateSourceIdentityAlongChain(options, prefix, failures);
        ValidateWindows(options, prefix, failures);
        ValidateFirstHop(options, prefix, failures);

        // The range of Polly's timeout strategy, which enforces the value when the provider is built.
        if (options.StsRequestTimeout < TimeSpan.FromMilliseconds(10) || options.StsRequestTimeout > TimeSpan.FromDays(1))
        {
            failures.Add($"{prefix}StsRequestTimeout must be between 10 ms and 1 day; got {options.StsRequestTimeout}.");
        }

        if (options.MaxStsRetries is < 0 or > 10)
        {
            failures.Add($"{prefix}MaxStsRetries must be between 0 and 10; got {options.MaxStsRetries}.");
        }

        if (options.DistributedCache is not null && options.DataProtectionProvider is null)
        {
            failures.Add($"{prefix}DistributedCache requires DataProtectionProvider: sessions are sealed before they leave the process.");
        }

        if (options.SecondLevelCacheTimeout < TimeSpan.FromMilliseconds(10) || options.SecondLevelCacheTimeout > TimeSpan.FromSeconds(30))
        {
            failures.Add($"{prefix}SecondLevelCacheTimeout must be between 10 ms and 30 s; got {options.SecondLevelCacheTimeout}.");
        }

        if (options.SecondLevelCacheBreakDuration < TimeSpan.FromSeconds(1) || options.SecondLevelCacheBreakDuration > TimeSpan.FromHours(1))
        {
            failures.Add($"{prefix}SecondLevelCacheBreakDuration must be between 1 s and 1 hour; got {options.SecondLevelCacheBreakDuration}.");
        }

        if (options.FleetCoordinator is not null && options.DistributedCache is null)
        {
            failures.Add($"{prefix}FleetCoordinator requires DistributedCache: the lease holder shares the session through it.");
        }

        if (options.FileCacheDirectory is { } dir && string.IsNullOrWhiteSpace(dir))
        {
            failures.Add($"{prefix}FileCacheDirectory must not be blank; leave it null to disable the file cache.");
        }

        var depth = hops.Count + 1 + Refresh.FirstHopSpec.CountIn(options);
        if (depth > AssumeRoleDefaults.MaxChainDepth)
        {
            failures.Add($"{prefix}Chain has {depth} hops; at most {AssumeRoleDefaults.MaxChainDepth} are allowed.");
        }

        return failures;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every failure, when there is any.</summary>
    public static void ThrowIfInvalid(AssumeRoleOptions options, string paramName)
    {
        var failures = Validate(options);
        if (failures.Count > 0)
        {
            throw new ArgumentException("Invalid AssumeRole options: " + string.Join(" ", failures), paramName);
        }
    }

    private static void ValidateHop(AssumeRoleHopOptions hop, string p, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(hop.RoleArn))
        {
            failures.Add($"{p}RoleArn is required.");
        }
        else if (hop.RoleArn.Length is < 20 or > 2048 || !RoleArnPattern().IsMatch(hop.RoleArn))
        {
            failures.Add($"{p}RoleArn '{hop.RoleArn}' is not a role ARN: expected arn:PARTITION:iam::ACCOUNT:role/[path/]NAME (20–2048 characters).");
        }

        if (hop.RoleSessionName is { } sn && (sn.Length is < 2 or > 64 || !SessionNamePattern().IsMatch(sn)))
        {
            failures.Add($"{p}RoleSessionName '{sn}' must be 2–64 characters from [\\w+=,.@-].");
        }

        if (hop.ExternalId is { } ext && (ext.Length is < 2 or > 1224 || !ExternalIdPattern().IsMatch(ext)))
        {
            // The value is a secret: describe it, never echo it.
            failures.Add($"{p}ExternalId must be 2–1224 characters from [\\w+=,.@:/-] (got {ext.Length} characters; value not shown).");
        }

        if (hop.DurationSeconds is { } d && d is < MinDuration or > MaxDuration)
        {
            failures.Add($"{p}DurationSeconds must be between {MinDuration} and {MaxDuration}; got {d.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (hop.Policy is { } policy)
        {
            if (policy.Length > 2048)
            {
                failures.Add($"{p}Policy must be at most 2048 characters; got {policy.Length}.");
            }
            else if (policy.Length == 0)
            {
                failures.Add($"{p}Policy must not be empty; leave it null to send none.");
            }
        }

        var policyArns = hop.PolicyArns ?? [];
        if (policyArns.Count > 10)
        {
            failures.Add($"{p}PolicyArns may hold at most 10 ARNs; got {policyArns.Count}.");
        }

        foreach (var arn in policyArns)
        {
            if (string.IsNullOrEmpty(arn) || arn.Length is < 20 or > 2048 || !PolicyArnPattern().IsMatch(arn))
            {
                failures.Add($"{p}PolicyArns entry '{arn}' is not a policy ARN (arn:PARTITION:iam::ACCOUNT:policy/NAME, 20–2048 characters).");
            }
        }

        ValidateTags(hop, p, failures);

        // The pattern has no ':', which also enforces STS's rule that a source identity cannot start with "aws:".
        if (hop.SourceIdentity is { } si && (si.Length is < 2 or > 64 || !SessionNamePattern().IsMatch(si)))
        {
            failures.Add($"{p}SourceIdentity '{si}' must be 2–64 characters from [\\w+=,.@-] (so it cannot start with 'aws:').");
        }

        if (hop.MfaSerialNumber is { } serial)
        {
            if (serial.Length is < 9 or > 256 || !SerialNumberPattern().IsMatch(serial))
            {
                failures.Add($"{p}MfaSerialNumber '{serial}' must be 9–256 characters from [\\w+=/:,.@-].");
            }

            if (hop.TokenCodeProvider is null)
            {
                failures.Add($"{p}MfaSerialNumber is set, so TokenCodeProvider is required: STS needs a fresh MFA code for every call.");
            }
        }

        if (hop.ServiceUrl is { } url && !Uri.TryCreate(url, UriKind.Absolute, out _))
        {
            failures.Add($"{p}ServiceUrl '{url}' is not an absolute URI.");
        }
    }

    private static void ValidateTags(AssumeRoleHopOptions hop, string p, List<string> failures)
    {
        var tags = hop.Tags ?? new Dictionary<string, string>();
        if (tags.Count > 50)
        {
            failures.Add($"{p}Tags may hold at most 50 tags; got {tags.Count}.");
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in tags)
        {
            if (key.Length is < 1 or > 128)
            {
                failures.Add($"{p}Tags key '{key}' must be 1–128 characters.");
            }

            if ((value ?? string.Empty).Length > 256)
            {
                failures.Add($"{p}Tags['{key}'] value must be at most 256 characters; got {value!.Length}.");
            }

            if (!seen.Add(key))
            {
                failures.Add($"{p}Tags key '{key}' appears twice; STS compares tag keys case-insensitively.");
            }
        }

        var transitive = hop.TransitiveTagKeys ?? [];
        if (transitive.Count > 50)
        {
            failures.Add($"{p}TransitiveTagKeys may hold at most 50 keys; got {transitive.Count}.");
        }

        foreach (var key in transitive)
        {
            if (!seen.Contains(key ?? string.Empty))
            {
                failures.Add($"{p}TransitiveTagKeys entry '{key}' must also be a key of Tags.");
            }
        }
    }

    private static void ValidateSourceIdentityAlongChain(AssumeRoleOptions options, string p, List<string> failures)
    {
        string? first = null;
        foreach (var hop in (options.Chain ?? []).Append(options))
        {
            if (hop?.SourceIdentity is not { } si)
            {
                continue;
            }

            if (first is null)
            {
                first = si;
            }
            else if (!string.Equals(first, si, StringComparison.Ordinal))
            {
                failures.Add($"{p}SourceIdentity '{si}' differs from '{first}' set earlier in the chain; STS does not allow a source identity to change along a chain.");
                return;
            }
        }
    }

    private static void ValidateFirstHop(AssumeRoleOptions options, string p, List<string> failures)
    {
        if (options.WebIdentity is not null && options.SessionToken is not null)
        {
            failures.Add($"{p}WebIdentity and SessionToken are both set; a chain has one first hop.");
        }

        if (options.WebIdentity is { } wi)
        {
            if (options.SourceCredentials is not null)
            {
                failures.Add($"{p}WebIdentity is set, so SourceCredentials must not be: AssumeRoleWithWebIdentity is unsigned and uses the token file instead.");
            }

            var (roleArn, tokenFile, sessionName) = Refresh.FirstHopSpec.ResolveWebIdentity(wi);
            if (roleArn is null)
            {
                failures.Add($"{p}WebIdentity.RoleArn is not set and the AWS_ROLE_ARN environment variable is empty.");
            }
            else
            {
                ValidateHop(new AssumeRoleHopOptions { RoleArn = roleArn, RoleSessionName = sessionName, DurationSeconds = wi.DurationSeconds, Policy = wi.Policy }, $"{p}WebIdentity.", failures);
            }

            if (tokenFile is null)
            {
                failures.Add($"{p}WebIdentity.WebIdentityTokenFile is not set and the AWS_WEB_IDENTITY_TOKEN_FILE environment variable is empty.");
            }
        }

        if (options.SessionToken is { } st)
        {
            if (st.DurationSeconds is { } d && d is < MinDuration or > MaxSessionTokenDuration)
            {
                failures.Add($"{p}SessionToken.DurationSeconds must be between {MinDuration} and {MaxSessionTokenDuration}; got {d.ToString(CultureInfo.InvariantCulture)}.");
            }

            if (st.MfaSerialNumber is { } serial)
            {
                if (serial.Length is < 9 or > 256 || !SerialNumberPattern().IsMatch(serial))
                {
                    failures.Add($"{p}SessionToken.MfaSerialNumber '{serial}' must be 9–256 characters from [\\w+=/:,.@-].");
                }

                if (st.TokenCodeProvider is null)
                {
                    failures.Add($"{p}SessionToken.MfaSerialNumber is set, so SessionToken.TokenCodeProvider is required: GetSessionToken needs a fresh MFA code.");
                }
            }
        }
    }

    private static void ValidateWindows(AssumeRoleOptions options, string p, List<string> failures)
    {
        var mandatory = options.MandatoryRefreshWindow ?? AssumeRoleDefaults.MandatoryRefreshWindow;
        if (mandatory <= TimeSpan.Zero)
        {
            failures.Add($"{p}MandatoryRefreshWindow must be positive; got {mandatory}.");
        }

        if (options.AdvisoryRefreshWindow is { } advisory)
        {
            if (advisory <= mandatory)
            {
                failures.Add($"{p}AdvisoryRefreshWindow ({advisory}) must be longer than MandatoryRefreshWindow ({mandatory}).");
            }

            // A chained target is clamped to the chaining cap, so its windows must fit in that.
            var requested = options.DurationSeconds ?? AssumeRoleDefaults.StsDefaultDurationSeconds;
            var chained = (options.Chain?.Count ?? 0) > 0 || Refresh.FirstHopSpec.CountIn(options) > 0 || options.SourceIsRoleSession == true;
            var lifetime = TimeSpan.FromSeconds(chained ? Math.Min(requested, ChainedMaxDuration) : requested);
            if (advisory >= lifetime)
            {
                failures.Add($"{p}AdvisoryRefreshWindow ({advisory}) must be shorter than the session lifetime ({lifetime}).");
            }
        }
    }
}
