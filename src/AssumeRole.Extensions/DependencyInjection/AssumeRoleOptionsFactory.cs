using System.Runtime.CompilerServices;
using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Refresh;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AssumeRole.Extensions.DependencyInjection;

/// <summary>
/// The options factory of <see cref="AssumeRoleOptions"/>: the standard one (setups, post-configures, validators), except
/// for a reload of a role registered by <c>AddAssumeRole</c>. <see cref="IOptionsMonitor{TOptions}"/> builds the new
/// settings inside the configuration's change callback, before any <c>OnChange</c> listener runs; settings that fail
/// validation (or binding) would throw there, where nothing observes it — no log event, an unobserved exception, and
/// every later <c>Get(name)</c> throwing too. Here such a reload is logged as event 41 (the role and the rules broken)
/// and answered with the last settings of that role that passed, which so stay in use. The first creation of a name
/// still throws, so that <c>ValidateOnStart</c> stops the host; names no role registered (a user's own named
/// <see cref="AssumeRoleOptions"/>, a tenant name asked of <see cref="IOptionsSnapshot{TOptions}"/>) get the standard
/// behaviour and nothing is remembered for them.
/// </summary>
internal sealed class AssumeRoleOptionsFactory(
    IEnumerable<IConfigureOptions<AssumeRoleOptions>> setups,
    IEnumerable<IPostConfigureOptions<AssumeRoleOptions>> postConfigures,
    IEnumerable<IValidateOptions<AssumeRoleOptions>> validations,
    IEnumerable<AssumeRoleRegistration> registrations,
    AssumeRoleOptionsFactory.LastValid lastValid,
    AssumeRoleContext context) : IOptionsFactory<AssumeRoleOptions>
{
    private readonly OptionsFactory<AssumeRoleOptions> _inner = new(setups, postConfigures, validations);

    public AssumeRoleOptions Create(string name)
    {
        if (!registrations.Any(r => string.Equals(r.Name, name, StringComparison.Ordinal)))
        {
            return _inner.Create(name);
        }

        AssumeRoleOptions options;
        try
        {
            options = _inner.Create(name);
        }
        catch (Exception ex) when (lastValid.Previous(name) is { } previous)
        {
            var reason = ex is OptionsValidationException invalid
                // Our validator's list is already capped ("… and N more failures."): capping it again would miscount.
                ? string.Join(" ", invalid.Failures)
                // A binder's or a user callback's message can quote any configuration value, a secret included.
                : $"The settings could not be built ({ex.GetType().Name}).";

            // Every IOptionsSnapshot scope builds the settings again: one warning per rejected change, not per request.
            if (lastValid.Reject(name, previous, reason))
            {
                Log.RoleReloadRejected(context.LoggerFactory.CreateLogger<AssumeRoleBinding>(), new AssumeRoleRegistration(name).DisplayName, reason);
            }

            return previous;
        }

        lastValid.Accept(name, options);
        return options;
    }

    /// <summary>
    /// The last settings of each registered role that passed, and what was last rejected (a singleton: the factory
    /// itself is transient). Only names registered by <c>AddAssumeRole</c> are kept, so it is bounded by the roles.
    /// </summary>
    internal sealed class LastValid
    {
        private readonly object _gate = new();
        private readonly Dictionary<string, (AssumeRoleOptions Options, string? Rejected)> _entries = new(StringComparer.Ordinal);

        // Instances handed out in place of rejected settings: a binding must not take them for a reconfiguration.
        private readonly ConditionalWeakTable<AssumeRoleOptions, object> _fallbacks = [];

        /// <summary>How many names are remembered.</summary>
        public int Count
        {
            get
            {
                lock (_gate)
                {
                    return _entries.Count;
                }
            }
        }

        public AssumeRoleOptions? Previous(string name)
        {
            lock (_gate)
            {
                return _entries.TryGetValue(name, out var entry) ? entry.Options : null;
            }
        }

        public void Accept(string name, AssumeRoleOptions options)
        {
            lock (_gate)
            {
                _entries[name] = (options, null);
            }
        }

        /// <summary>Records a rejection answered with <paramref name="previous"/>; true when it differs from the last one logged.</summary>
        public bool Reject(string name, AssumeRoleOptions previous, string reason)
        {
            _fallbacks.AddOrUpdate(previous, this);
            lock (_gate)
            {
                var isNew = !_entries.TryGetValue(name, out var entry) || !string.Equals(entry.Rejected, reason, StringComparison.Ordinal);
                _entries[name] = (previous, reason);
                return isNew;
            }
        }

        /// <summary>Whether <paramref name="options"/> was handed out in place of rejected settings.</summary>
        public bool IsFallback(AssumeRoleOptions options) => _fallbacks.TryGetValue(options, out _);
    }
}
