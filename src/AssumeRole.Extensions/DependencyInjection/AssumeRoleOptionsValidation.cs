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
internal sealed class AssumeRoleOptionsValidation(IEnumerable<AssumeRoleRegistration> registrations) : IValidateOptions<AssumeRoleOptions>
{
    private readonly Dictionary<string, AssumeRoleRegistration> _registrations =
        registrations.DistinctBy(r => r.Name).ToDictionary(r => r.Name, StringComparer.Ordinal);

    public ValidateOptionsResult Validate(string? name, AssumeRoleOptions options)
    {
        if (!_registrations.TryGetValue(name ?? Options.DefaultName, out var registration))
        {
            return ValidateOptionsResult.Skip;
        }

        var failures = AssumeRoleOptionsValidator.Validate(options, registration.DisplayName);
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
}
