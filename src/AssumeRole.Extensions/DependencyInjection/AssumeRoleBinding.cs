using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Refresh;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AssumeRole.Extensions.DependencyInjection;

/// <summary>
/// The container's hold on one role: the <see cref="AssumeRoleCredentials"/> registered for it, kept in step with
/// <see cref="IOptionsMonitor{TOptions}"/>. A reload re-points the same provider at the sessions for the new settings
/// (<see cref="AssumeRoleCredentials.Reconfigure"/>), so every AWS client that captured the provider follows the
/// change while its warm path stays one field read. Disposed with the container, which releases the sessions.
/// </summary>
internal sealed class AssumeRoleBinding : IDisposable
{
    private readonly string _name;
    private readonly string _displayName;
    private readonly AssumeRoleContext _context;
    private readonly ILogger _logger;
    private readonly IDisposable? _subscription;
    private readonly object _reloadGate = new();
    private AssumeRoleOptions _current;
    private bool _disposed;

    public AssumeRoleBinding(string name, IOptionsMonitor<AssumeRoleOptions> monitor, AssumeRoleContext context)
    {
        _name = name;
        _displayName = new AssumeRoleRegistration(name).DisplayName;
        _context = context;
        _logger = context.LoggerFactory.CreateLogger<AssumeRoleBinding>();
        _current = monitor.Get(name);
        Credentials = new AssumeRoleCredentials(_current, context);
        _subscription = monitor.OnChange(OnChange);
    }

    public AssumeRoleCredentials Credentials { get; }

    public void Dispose()
    {
        lock (_reloadGate)
        {
            _disposed = true;
        }

        _subscription?.Dispose();
        Credentials.Dispose();
    }

    private void OnChange(AssumeRoleOptions options, string? name)
    {
        if (!string.Equals(name ?? Options.DefaultName, _name, StringComparison.Ordinal))
        {
            return;
        }

        // Reloads are rare and may arrive on several threads; serialize them so the last one wins.
        lock (_reloadGate)
        {
            // The same instance: a reload whose settings were rejected (AssumeRoleOptionsFactory logged it and
            // answered with the settings in use).
            if (_disposed || ReferenceEquals(options, _current))
            {
                return;
            }

            try
            {
                Credentials.Reconfigure(options, _context);
                _current = options;
                Log.RoleReconfigured(_logger, _displayName, Credentials.RoleArn, Credentials.HopCount);
            }
            catch (ArgumentException ex)
            {
                // The new settings break an STS rule: keep serving the old ones rather than failing every caller.
                Log.RoleReloadRejected(_logger, _displayName, ex.Message);
            }
        }
    }
}
