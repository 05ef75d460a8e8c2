using System.Collections.Concurrent;
using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Validation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AssumeRole.Extensions.DependencyInjection;

/// <summary>
/// The options factory of <see cref="AssumeRoleOptions"/>: the standard one (setups, post-configures, validators), except
/// for a reload. <see cref="IOptionsMonitor{TOptions}"/> builds the new settings inside the configuration's change
/// callback, before any <c>OnChange</c> listener runs; settings that fail validation (or binding) would throw there,
/// where nothing observes it — no log event, an unobserved exception, and every later <c>Get(name)</c> throwing too.
/// Here such a reload is logged as event 41 (the role and the rules broken) and answered with the last settings of
/// that name that passed, which so stay in use. The first creation of a name still throws, so that
/// <c>ValidateOnStart</c> stops the host.
/// </summary>
internal sealed class AssumeRoleOptionsFactory(
    IEnumerable<IConfigureOptions<AssumeRoleOptions>> setups,
    IEnumerable<IPostConfigureOptions<AssumeRoleOptions>> postConfigures,
    IEnumerable<IValidateOptions<AssumeRoleOptions>> validations,
    AssumeRoleOptionsFactory.LastValid lastValid,
    AssumeRoleContext context) : IOptionsFactory<AssumeRoleOptions>
{
    private readonly OptionsFactory<AssumeRoleOptions> _inner = new(setups, postConfigures, validations);

    public AssumeRoleOptions Create(string name)
    {
        AssumeRoleOptions options;
        try
        {
            options = _inner.Create(name);
        }
        catch (Exception ex) when (lastValid.Options.TryGetValue(name, out var previous))
        {
            var reason = ex is OptionsValidationException invalid
                ? string.Join(" ", AssumeRoleOptionsValidator.Capped([.. invalid.Failures]))
                // A binder's or a user callback's message can quote any configuration value, a secret included.
                : $"The settings could not be built ({ex.GetType().Name}).";
            Log.RoleReloadRejected(context.LoggerFactory.CreateLogger<AssumeRoleBinding>(), new AssumeRoleRegistration(name).DisplayName, reason);
            return previous;
        }

        lastValid.Options[name] = options;
        return options;
    }

    /// <summary>The last settings of each name that passed (a singleton: the factory itself is transient).</summary>
    internal sealed class LastValid
    {
        public ConcurrentDictionary<string, AssumeRoleOptions> Options { get; } = new(StringComparer.Ordinal);
    }
}
