using AssumeRole.Extensions.Caching;
using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Validation;
using Microsoft.Extensions.Options;

namespace AssumeRole.Extensions.DependencyInjection;

/// <summary>
/// Runs the engine's rules (<see cref="AssumeRoleOptionsValidator"/>: STS limits on each field, rules across fields
/// and hops) at host start for every registered role, so a bad configuration stops the host with messages that name
/// the role, the field and the rule. Options of names nobody registered are not ours and are skipped.
/// </summary>
internal sealed class AssumeRoleOptionsValidation(
    IEnumerable<AssumeRoleRegistration> registrations,
    IEnumerable<AssumeRoleSectionBinding> sections,
    IEnumerable<IConfigureOptions<AssumeRoleOptions>> configurations,
    IEnumerable<IPostConfigureOptions<AssumeRoleOptions>> postConfigurations) : IValidateOptions<AssumeRoleOptions>
{
    private readonly Dictionary<string, AssumeRoleRegistration> _registrations =
        registrations.DistinctBy(r => r.Name).ToDictionary(r => r.Name, StringComparer.Ordinal);

    private readonly List<AssumeRoleSectionBinding> _sections = [.. sections];

    /// <summary>
    /// Whether anything configures options for the name "default": what messages call the default role, but not its
    /// options name (""), so such configuration would otherwise be silently ignored.
    /// </summary>
    private readonly bool _configuresDefaultByDisplayName =
        configurations.Select(NameOf).Concat(postConfigurations.Select(NameOf))
            .Any(n => string.Equals(n, AssumeRoleRegistration.DefaultDisplayName, StringComparison.OrdinalIgnoreCase));

    public ValidateOptionsResult Validate(string? name, AssumeRoleOptions options)
    {
        if (!_registrations.TryGetValue(name ?? Options.DefaultName, out var registration))
        {
            return ValidateOptionsResult.Skip;
        }

        var failures = AssumeRoleOptionsValidator.Validate(options, registration.DisplayName);
        foreach (var section in _sections.Where(s => s.Name == registration.Name && !s.Exists))
        {
            // Said first: a misspelled section name is the likely cause of every other failure of this role.
            failures.Insert(0, $"Role '{registration.DisplayName}': the configuration section '{section.Path}' it is bound to is missing or empty; check the section's name.");
        }

        if (registration.Name.Length == 0 && _configuresDefaultByDisplayName)
        {
            failures.Insert(0,
                $"Role '{registration.DisplayName}': AssumeRoleOptions are configured for the name \"default\", which no role has: the default role's options name is " +
                "AssumeRoleOptions.DefaultRoleName (the empty string). Use services.Configure<AssumeRoleOptions>(o => …) or AddAssumeRole(…).Configure(…).");
        }

        if (failures.Count == 0 && options.StrictChainDurations)
        {
            // The chaining cap depends on the hop's position (and the source), which the planner knows: run it now
            // so a strict-mode violation stops the host at start rather than at first resolution.
            try
            {
                var firstHops = FirstHopSpec.From(options, (options.Chain?.Count ?? 0) + 1) is null ? 0 : 1;
                var sourceIsRoleSession = firstHops > 0 || (options.SourceIsRoleSession
                    ?? (options.SourceCredentials is { } source && SourcePrincipal.IsRoleSession(source)));
                ChainPlanner.Plan(options, sourceIsRoleSession, firstHops);
            }
            catch (ArgumentException ex)
            {
                var text = ex.Message
                    .Replace("Invalid AssumeRole options: ", string.Empty, StringComparison.Ordinal)
                    .Replace($" (Parameter '{ex.ParamName}')", string.Empty, StringComparison.Ordinal);
                failures.Add($"Role '{registration.DisplayName}': {text}");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string? NameOf(object configuration) => configuration switch
    {
        ConfigureNamedOptions<AssumeRoleOptions> c => c.Name,
        PostConfigureOptions<AssumeRoleOptions> c => c.Name,
        _ => null,
    };
}
