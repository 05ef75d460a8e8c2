using System.Globalization;

namespace AssumeRole.Extensions.Validation;

/// <summary>
/// Checks options against STS's input table (<see cref="StsConstraints"/>) and the engine's own rules, so that a bad
/// value fails before any STS call with a message naming the field and the rule. A user value appears in a message at
/// most once, quoted, escaped and cut (<see cref="SafeText"/>); secrets (external ID, context assertions) never do.
/// </summary>
internal static class AssumeRoleOptionsValidator
{
    internal const int MinDuration = StsConstraints.MinDuration;
    internal const int MaxDuration = StsConstraints.MaxDuration;
    internal const int ChainedMaxDuration = StsConstraints.ChainedMaxDuration;
    internal const int MaxSessionTokenDuration = StsConstraints.MaxSessionTokenDuration;
    internal const int SessionTokenDefaultDuration = 43200;

    /// <summary>
    /// How many failures a message lists; the rest are counted (<c>… and 99990 more failures.</c>), so 100,000 bad tags
    /// make a message of a few kilobytes, not megabytes.
    /// </summary>
    internal const int MaxListedFailures = 10;

    /// <summary>Validates the whole registration: the target role, every hop of the chain and the engine settings.</summary>
    public static List<string> Validate(AssumeRoleOptions options, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var prefix = string.IsNullOrEmpty(name) ? string.Empty : $"Role {SafeText.Quote(name)}: ";

        var hops = options.Chain ?? [];

        // A count limit already broken is the failure: the items past it are not checked one by one.
        for (var i = 0; i < hops.Count && hops.Count < AssumeRoleDefaults.MaxChainDepth; i++)
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

        if (options.MfaTokenCodeTimeout < TimeSpan.FromSeconds(1) || options.MfaTokenCodeTimeout > TimeSpan.FromHours(1))
        {
            failures.Add($"{prefix}MfaTokenCodeTimeout must be between 1 second and 1 hour; got {options.MfaTokenCodeTimeout}.");
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

        return Capped(failures);
    }

    /// <summary>
    /// The first <see cref="MaxListedFailures"/> failures, then one line counting the rest: what every message and log
    /// event of invalid options lists.
    /// </summary>
    internal static List<string> Capped(List<string> failures)
    {
        if (failures.Count <= MaxListedFailures)
        {
            return failures;
        }

        var more = failures.Count - MaxListedFailures;
        failures.RemoveRange(MaxListedFailures, more);
        failures.Add(string.Create(CultureInfo.InvariantCulture, $"… and {more} more failures."));
        return failures;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing the failures (<see cref="Capped"/>), when there is any.</summary>
    public static void ThrowIfInvalid(AssumeRoleOptions options, string paramName)
    {
        var failures = Validate(options);
        if (failures.Count > 0)
        {
            throw new ArgumentException("Invalid AssumeRole options: " + string.Join(" ", failures), paramName);
        }
    }

    /// <summary>The checks of one AssumeRole hop's parameters, each failure prefixed with <paramref name="p"/>.</summary>
    internal static void ValidateHop(AssumeRoleHopOptions hop, string p, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(hop.RoleArn))
        {
            failures.Add($"{p}RoleArn is required.");
        }
        else
        {
            Add(failures, p, StsConstraints.RoleArn.Check(hop.RoleArn));
        }

        Add(failures, p, StsConstraints.RoleSessionName.Check(hop.RoleSessionName));
        Add(failures, p, StsConstraints.ExternalId.Check(hop.ExternalId));
        Add(failures, p, StsConstraints.CheckRange("DurationSeconds", hop.DurationSeconds, MinDuration, MaxDuration));
        Add(failures, p, StsConstraints.Policy.Check(hop.Policy));

        var policyArns = hop.PolicyArns ?? [];
        if (policyArns.Count > StsConstraints.MaxPolicyArns)
        {
            failures.Add($"{p}PolicyArns may hold at most {StsConstraints.MaxPolicyArns} ARNs; got {policyArns.Count}.");
        }

        for (var i = 0; i < policyArns.Count && policyArns.Count <= StsConstraints.MaxPolicyArns; i++)
        {
            Add(failures, p, policyArns[i] is null ? $"PolicyArns[{i}] is null." : StsConstraints.PolicyArn.Check(policyArns[i], $"PolicyArns[{i}]"));
        }

        ValidateTags(hop, p, failures);
        Add(failures, p, StsConstraints.SourceIdentity.Check(hop.SourceIdentity));
        ValidateProvidedContexts(hop, p, failures);

        if (hop.MfaSerialNumber is { } serial)
        {
            Add(failures, p, StsConstraints.SerialNumber.Check(serial));
            if (hop.TokenCodeProvider is null)
            {
                failures.Add($"{p}MfaSerialNumber is set, so TokenCodeProvider is required: STS needs a fresh MFA code for every call.");
            }
        }

        Add(failures, p, StsConstraints.CheckRegion("Region", hop.Region));
        Add(failures, p, StsConstraints.CheckServiceUrl("ServiceUrl", hop.ServiceUrl));
    }

    private static void ValidateTags(AssumeRoleHopOptions hop, string p, List<string> failures)
    {
        var tags = hop.Tags ?? new Dictionary<string, string>();
        if (tags.Count > StsConstraints.MaxTags)
        {
            failures.Add($"{p}Tags may hold at most {StsConstraints.MaxTags} tags; got {tags.Count}.");
        }

        var transitive = hop.TransitiveTagKeys ?? [];
        if (transitive.Count > StsConstraints.MaxTransitiveTagKeys)
        {
            failures.Add($"{p}TransitiveTagKeys may hold at most {StsConstraints.MaxTransitiveTagKeys} keys; got {transitive.Count}.");
        }

        if (tags.Count > StsConstraints.MaxTags || transitive.Count > StsConstraints.MaxTransitiveTagKeys)
        {
            // A count limit already broken is the failure: the keys are not checked one by one.
            return;
        }

        var seen = new HashSet<string>(TagKeyComparer.Instance);
        foreach (var (key, value) in tags)
        {
            if (StsConstraints.TagKey.Check(key) is { } keyFailure)
            {
                failures.Add(p + keyFailure);
                continue;
            }

            if (value is null)
            {
                // Configuration binding and IDictionary allow it; STS requires a value (it may be empty).
                failures.Add($"{p}Tags[{SafeText.Quote(key)}] value is null; STS requires a value (the empty string is allowed).");
            }
            else
            {
                Add(failures, p, StsConstraints.TagValue.Check(value, $"Tags[{SafeText.Quote(key)}] value"));
            }

            if (!seen.Add(key))
            {
                failures.Add($"{p}Tags key {SafeText.Quote(key)} appears twice; STS compares tag keys case-insensitively.");
            }
        }

        for (var i = 0; i < transitive.Count; i++)
        {
            var key = transitive[i];
            if (key is null)
            {
                failures.Add($"{p}TransitiveTagKeys[{i}] is null.");
            }
            else if (StsConstraints.TransitiveTagKey.Check(key, $"TransitiveTagKeys[{i}]") is { } failure)
            {
                failures.Add(p + failure);
            }
            else if (!seen.Contains(key))
            {
                failures.Add($"{p}TransitiveTagKeys[{i}] {SafeText.Quote(key)} must also be a key of Tags.");
            }
        }
    }

    private static void ValidateProvidedContexts(AssumeRoleHopOptions hop, string p, List<string> failures)
    {
        var contexts = hop.ProvidedContexts ?? [];
        if (contexts.Count > StsConstraints.MaxProvidedContexts)
        {
            failures.Add($"{p}ProvidedContexts may hold at most {StsConstraints.MaxProvidedContexts} contexts; got {contexts.Count}.");
        }

        for (var i = 0; i < contexts.Count && contexts.Count <= StsConstraints.MaxProvidedContexts; i++)
        {
            var field = $"ProvidedContexts[{i}]";
            if (contexts[i] is not { } context)
            {
                failures.Add($"{p}{field} is null.");
                continue;
            }

            // STS's model marks both members optional, but a context without either means nothing to STS.
            if (context.ProviderArn is null)
            {
                failures.Add($"{p}{field}.ProviderArn is required.");
            }

            if (context.ContextAssertion is null)
            {
                failures.Add($"{p}{field}.ContextAssertion is required.");
            }

            Add(failures, p, StsConstraints.ProviderArn.Check(context.ProviderArn, field + ".ProviderArn"));
            Add(failures, p, StsConstraints.ContextAssertion.Check(context.ContextAssertion, field + ".ContextAssertion"));
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
                failures.Add($"{p}SourceIdentity {SafeText.Quote(si)} differs from {SafeText.Quote(first)} set earlier in the chain; STS does not allow a source identity to change along a chain.");
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
            var wp = $"{p}WebIdentity.";
            if (roleArn is null)
            {
                failures.Add($"{wp}RoleArn is not set and the AWS_ROLE_ARN environment variable is empty.");
            }
            else
            {
                Add(failures, wp, StsConstraints.RoleArn.Check(roleArn));
            }

            Add(failures, wp, StsConstraints.RoleSessionName.Check(sessionName));
            Add(failures, wp, StsConstraints.CheckRange("DurationSeconds", wi.DurationSeconds, MinDuration, MaxDuration));
            Add(failures, wp, StsConstraints.Policy.Check(wi.Policy));

            if (tokenFile is null)
            {
                failures.Add($"{wp}WebIdentityTokenFile is not set and the AWS_WEB_IDENTITY_TOKEN_FILE environment variable is empty.");
            }
            else if (tokenFile.AsSpan().IndexOfAny(Path.GetInvalidPathChars()) >= 0)
            {
                failures.Add($"{wp}WebIdentityTokenFile {SafeText.Quote(tokenFile)} is not a valid path.");
            }
        }

        if (options.SessionToken is { } st)
        {
            Add(failures, p, StsConstraints.CheckRange("SessionToken.DurationSeconds", st.DurationSeconds, MinDuration, MaxSessionTokenDuration));
            if (st.MfaSerialNumber is { } serial)
            {
                Add(failures, p, StsConstraints.SerialNumber.Check(serial, "SessionToken.MfaSerialNumber"));
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
            return;
        }

        if (options.AdvisoryRefreshWindow is { } advisory && advisory <= mandatory)
        {
            failures.Add($"{p}AdvisoryRefreshWindow ({advisory}) must be longer than MandatoryRefreshWindow ({mandatory}).");
        }

        // The windows apply to every hop's session, so they must fit the shortest one. A configured mandatory window is
        // a hard floor (never shrunk), so a hop that does not outlast it could never hand out its credentials.
        if (ShortestHop(options) is not { } shortest)
        {
            return;
        }

        if (options.MandatoryRefreshWindow is not null && mandatory >= shortest.Lifetime)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{p}MandatoryRefreshWindow ({mandatory}) must be shorter than the session lifetime ({shortest.Lifetime}) of {shortest.Name}: it is a floor, never shrunk."));
        }

        if (options.AdvisoryRefreshWindow is { } configured && configured >= shortest.Lifetime)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{p}AdvisoryRefreshWindow ({configured}) must be shorter than the session lifetime ({shortest.Lifetime}) of {shortest.Name}."));
        }
    }

    /// <summary>
    /// The hop with the shortest expected session (what it asks for, STS's default when it asks for nothing, a chained
    /// hop capped at the chaining limit), with a name for messages; <see langword="null"/> when a hop is unreadable.
    /// </summary>
    private static (TimeSpan Lifetime, string Name)? ShortestHop(AssumeRoleOptions options)
    {
        var firstHops = Refresh.FirstHopSpec.CountIn(options);
        var hops = (options.Chain ?? []).Append(options).ToList();
        var candidates = new List<(TimeSpan, string)>(hops.Count + 1);
        if (options.WebIdentity is { } wi)
        {
            candidates.Add((TimeSpan.FromSeconds(wi.DurationSeconds ?? AssumeRoleDefaults.StsDefaultDurationSeconds), "the web identity hop"));
        }

        if (options.SessionToken is { } st)
        {
            candidates.Add((TimeSpan.FromSeconds(st.DurationSeconds ?? SessionTokenDefaultDuration), "the session token hop"));
        }

        for (var i = 0; i < hops.Count; i++)
        {
            if (hops[i] is not { } hop)
            {
                return null;
            }

            var requested = hop.DurationSeconds ?? AssumeRoleDefaults.StsDefaultDurationSeconds;
            var chained = i > 0 || firstHops > 0 || options.SourceIsRoleSession == true;
            var lifetime = TimeSpan.FromSeconds(chained ? Math.Min(requested, ChainedMaxDuration) : requested);
            // The hop's ARN names it only when valid (quoted and cut); an invalid one has its own failure, which shows it.
            var name = i == hops.Count - 1 && hops.Count == 1 && firstHops == 0
                ? "the role"
                : hop.RoleArn is { } arn && StsConstraints.RoleArn.IsValid(arn)
                    ? $"hop {i + 1 + firstHops} ({SafeText.Quote(arn)})"
                    : $"hop {i + 1 + firstHops}";
            candidates.Add((lifetime, name));
        }

        return candidates.MinBy(c => c.Item1);
    }

    private static void Add(List<string> failures, string prefix, string? failure)
    {
        if (failure is not null)
        {
            failures.Add(prefix + failure);
        }
    }
}
