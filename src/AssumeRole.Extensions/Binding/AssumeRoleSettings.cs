using Microsoft.Extensions.Configuration;

namespace AssumeRole.Extensions.Binding;

/// <summary>
/// What configuration binds of <see cref="AssumeRoleOptions"/>: the hop keys of the target role (inherited), the chain,
/// the first-hop exchanges and the registration-wide plain values. Runtime objects (<see cref="AssumeRoleOptions.SourceCredentials"/>,
/// the MFA callbacks, <see cref="AssumeRoleOptions.DistributedCache"/>, <see cref="AssumeRoleOptions.DataProtectionProvider"/>,
/// <see cref="AssumeRoleOptions.FleetCoordinator"/>) are not here: they come from code. See <see cref="AssumeRoleHopSettings"/>.
/// </summary>
internal sealed class AssumeRoleSettings : AssumeRoleHopSettings
{
    public IList<AssumeRoleHopSettings> Chain { get; set; } = [];

    /// <summary>Plain data already: bound as the options type itself (in place when the options have one).</summary>
    public WebIdentityOptions? WebIdentity { get; set; }

    public SessionTokenSettings? SessionToken { get; set; }

    public bool? SourceIsRoleSession { get; set; }

    public TimeSpan? AdvisoryRefreshWindow { get; set; }

    public TimeSpan? MandatoryRefreshWindow { get; set; }

    public bool StrictChainDurations { get; set; }

    public TimeSpan StsRequestTimeout { get; set; }

    public TimeSpan MfaTokenCodeTimeout { get; set; }

    public int MaxStsRetries { get; set; }

    public string? FileCacheDirectory { get; set; }

    public TimeSpan SecondLevelCacheTimeout { get; set; }

    public TimeSpan SecondLevelCacheBreakDuration { get; set; }

    public bool ShareSessionsAcrossSourceSessions { get; set; }

    /// <summary>The settings with the options' current values.</summary>
    public static AssumeRoleSettings Of(AssumeRoleOptions options)
    {
        var settings = new AssumeRoleSettings
        {
            // A chain the options do not have (set to null in code) stays null unless configuration has hops.
            Chain = options.Chain is null ? null! : [.. options.Chain.Select(AssumeRoleHopSettings.Of)],
            WebIdentity = options.WebIdentity,
            SessionToken = SessionTokenSettings.Of(options.SessionToken),
            SourceIsRoleSession = options.SourceIsRoleSession,
            AdvisoryRefreshWindow = options.AdvisoryRefreshWindow,
            MandatoryRefreshWindow = options.MandatoryRefreshWindow,
            StrictChainDurations = options.StrictChainDurations,
            StsRequestTimeout = options.StsRequestTimeout,
            MfaTokenCodeTimeout = options.MfaTokenCodeTimeout,
            MaxStsRetries = options.MaxStsRetries,
            FileCacheDirectory = options.FileCacheDirectory,
            SecondLevelCacheTimeout = options.SecondLevelCacheTimeout,
            SecondLevelCacheBreakDuration = options.SecondLevelCacheBreakDuration,
            ShareSessionsAcrossSourceSessions = options.ShareSessionsAcrossSourceSessions,
        };
        settings.CopyFrom(options);
        return settings;
    }

    /// <summary>
    /// Applies the section's null and empty values as the reflection binder did, before the generated binder binds the
    /// rest (see <see cref="ConfigurationValues"/>). Hops of <see cref="Chain"/> need nothing: the binder only appends new
    /// ones, whose properties are at their defaults already.
    /// </summary>
    public void ApplyNullAndEmpty(IConfiguration section)
    {
        var values = new ConfigurationValues(section);
        ApplyNullAndEmpty(values);
        SourceIsRoleSession = values.Nullable(nameof(SourceIsRoleSession), SourceIsRoleSession);
        AdvisoryRefreshWindow = values.Nullable(nameof(AdvisoryRefreshWindow), AdvisoryRefreshWindow);
        MandatoryRefreshWindow = values.Nullable(nameof(MandatoryRefreshWindow), MandatoryRefreshWindow);
        StrictChainDurations = values.Value(nameof(StrictChainDurations), StrictChainDurations);
        StsRequestTimeout = values.Value(nameof(StsRequestTimeout), StsRequestTimeout);
        MfaTokenCodeTimeout = values.Value(nameof(MfaTokenCodeTimeout), MfaTokenCodeTimeout);
        MaxStsRetries = values.Value(nameof(MaxStsRetries), MaxStsRetries);
        FileCacheDirectory = values.String(nameof(FileCacheDirectory), FileCacheDirectory);
        SecondLevelCacheTimeout = values.Value(nameof(SecondLevelCacheTimeout), SecondLevelCacheTimeout);
        SecondLevelCacheBreakDuration = values.Value(nameof(SecondLevelCacheBreakDuration), SecondLevelCacheBreakDuration);
        ShareSessionsAcrossSourceSessions = values.Value(nameof(ShareSessionsAcrossSourceSessions), ShareSessionsAcrossSourceSessions);

        // First-hop objects the options already have are bound in place, as the reflection binder did.
        if (WebIdentity is { } webIdentity)
        {
            var child = values.Child(nameof(WebIdentity));
            webIdentity.RoleArn = child.String(nameof(webIdentity.RoleArn), webIdentity.RoleArn);
            webIdentity.WebIdentityTokenFile = child.String(nameof(webIdentity.WebIdentityTokenFile), webIdentity.WebIdentityTokenFile);
            webIdentity.RoleSessionName = child.String(nameof(webIdentity.RoleSessionName), webIdentity.RoleSessionName);
            webIdentity.DurationSeconds = child.Nullable(nameof(webIdentity.DurationSeconds), webIdentity.DurationSeconds);
            webIdentity.Policy = child.String(nameof(webIdentity.Policy), webIdentity.Policy);
        }

        SessionToken?.ApplyNullAndEmpty(values.Child(nameof(SessionToken)));

        // Appended hops start at their defaults, but a null entry of their lists would still be dropped.
        foreach (var hop in section.GetSection(nameof(Chain)).GetChildren())
        {
            RejectNullListEntries(new ConfigurationValues(hop));
        }
    }

    /// <summary>Writes the bound values onto the options; runtime objects they hold stay.</summary>
    public void ApplyTo(AssumeRoleOptions options)
    {
        base.ApplyTo(options);
        if (Chain is not null)
        {
            // The binder appends the configured hops after the ones already there: those keep their own instances
            // (and their MFA callbacks), the new ones become new hops.
            options.Chain ??= [];
            for (var i = 0; i < Chain.Count; i++)
            {
                if (i < options.Chain.Count)
                {
                    Chain[i].ApplyTo(options.Chain[i]);
                }
                else
                {
                    var hop = new AssumeRoleHopOptions();
                    Chain[i].ApplyTo(hop);
                    options.Chain.Add(hop);
                }
            }
        }

        options.WebIdentity = WebIdentity;
        options.SessionToken = SessionToken?.ApplyTo(options.SessionToken);
        options.SourceIsRoleSession = SourceIsRoleSession;
        options.AdvisoryRefreshWindow = AdvisoryRefreshWindow;
        options.MandatoryRefreshWindow = MandatoryRefreshWindow;
        options.StrictChainDurations = StrictChainDurations;
        options.StsRequestTimeout = StsRequestTimeout;
        options.MfaTokenCodeTimeout = MfaTokenCodeTimeout;
        options.MaxStsRetries = MaxStsRetries;
        options.FileCacheDirectory = FileCacheDirectory;
        options.SecondLevelCacheTimeout = SecondLevelCacheTimeout;
        options.SecondLevelCacheBreakDuration = SecondLevelCacheBreakDuration;
        options.ShareSessionsAcrossSourceSessions = ShareSessionsAcrossSourceSessions;
    }
}
