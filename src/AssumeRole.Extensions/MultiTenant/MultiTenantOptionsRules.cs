using AssumeRole.Extensions.DependencyInjection;
using AssumeRole.Extensions.Validation;
using Microsoft.Extensions.Options;

namespace AssumeRole.Extensions.MultiTenant;

/// <summary>
/// The STS rules of <see cref="MultiTenantOptions"/> that DataAnnotations cannot express — the session name, region and
/// service URL every tenant role gets, and that <see cref="MultiTenantOptions.SourceRole"/> names a registered role — so
/// that a bad value stops the host at start instead of failing every tenant call; and the range of
/// <see cref="MultiTenantOptions.IdleTimeout"/>, which a <c>TimeSpan</c> DataAnnotations range cannot check without reflection.
/// </summary>
internal sealed class MultiTenantOptionsRules(IEnumerable<AssumeRoleRegistration> registrations) : IValidateOptions<MultiTenantOptions>
{
    private static readonly TimeSpan MinIdleTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxIdleTimeout = TimeSpan.FromDays(1);
    private readonly HashSet<string> _roles = new(registrations.Select(r => r.Name), StringComparer.Ordinal);

    public ValidateOptionsResult Validate(string? name, MultiTenantOptions options)
    {
        var failures = Check(options, _roles);
        if (CheckIdleTimeout(options.IdleTimeout) is { } idle)
        {
            failures.Insert(0, idle);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>
    /// The range of <see cref="MultiTenantOptions.IdleTimeout"/>, with the message its former
    /// <c>[Range(typeof(TimeSpan), …)]</c> gave: that attribute converts its bounds through a <c>TypeConverter</c>
    /// found by reflection, which trimming and Native AOT do not allow (IL2026).
    /// </summary>
    internal static string? CheckIdleTimeout(TimeSpan idleTimeout) =>
        idleTimeout < MinIdleTimeout || idleTimeout > MaxIdleTimeout
            ? FormattableString.Invariant($"IdleTimeout: The field MultiTenantOptions.IdleTimeout must be between {MinIdleTimeout} and {MaxIdleTimeout}.")
            : null;

    /// <summary>Every failure, each naming <c>MultiTenantOptions.</c> and the field.</summary>
    public static List<string> Check(MultiTenantOptions options, IReadOnlySet<string>? registeredRoles)
    {
        const string p = "MultiTenantOptions.";
        var failures = new List<string>();
        void Add(string? failure)
        {
            if (failure is not null)
            {
                failures.Add(p + failure);
            }
        }

        Add(StsConstraints.RoleSessionName.Check(options.RoleSessionName));
        Add(StsConstraints.CheckRange("DurationSeconds", options.DurationSeconds, StsConstraints.MinDuration, StsConstraints.MaxDuration));
        Add(StsConstraints.CheckRegion("Region", options.Region));
        Add(StsConstraints.CheckServiceUrl("ServiceUrl", options.ServiceUrl));
        if (options.SourceRole is { } role)
        {
            if (options.SourceCredentials is not null)
            {
                Add("SourceRole and SourceCredentials are both set; the tenants' calls have one source.");
            }

            if (registeredRoles is not null && !registeredRoles.Contains(role))
            {
                Add($"SourceRole {SafeText.Quote(role)} is not a registered role (AddAssumeRole(name, …); \"\" for the default role).");
            }
        }

        return failures;
    }
}
