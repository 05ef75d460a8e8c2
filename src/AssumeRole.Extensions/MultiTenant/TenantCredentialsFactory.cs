using System.Collections.Concurrent;
using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Validation;
using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AssumeRole.Extensions.MultiTenant;

/// <summary>
/// The multi-tenant factory: one <see cref="AssumeRoleCredentials"/> per tenant key, created on first request, kept
/// while used, evicted (and disposed) after <see cref="MultiTenantOptions.IdleTimeout"/> or beyond
/// <see cref="MultiTenantOptions.MaxTenants"/>. Tenant sessions' STS calls pass one shared <see cref="StsRateGate"/>.
/// </summary>
internal sealed class TenantCredentialsFactory : IAssumeRoleCredentialsFactory, IDisposable
{
    private readonly ConcurrentDictionary<TenantKey, Entry> _entries = new();
    private readonly MultiTenantOptions _options;
    private readonly AssumeRoleContext _context;
    private readonly TimeProvider _timeProvider;
    private readonly StsRateGate _gate;
    private readonly Lazy<AWSCredentials?> _source;
    private readonly ILogger _logger;
    private readonly ITimer _sweepTimer;
    private readonly object _trimGate = new();
    private int _disposed;

    public TenantCredentialsFactory(IOptions<MultiTenantOptions> options, AssumeRoleContext context, IServiceProvider services)
    {
        _options = options.Value;

        // Also checked at host start (ValidateOnStart); here for a factory resolved without a host.
        if (MultiTenantOptionsRules.Check(_options, registeredRoles: null) is { Count: > 0 } failures)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(MultiTenantOptions), failures);
        }

        _timeProvider = context.TimeProvider;
        _logger = context.LoggerFactory.CreateLogger<TenantCredentialsFactory>();
        _gate = new StsRateGate(_options.StsCallsPerSecond, _options.QueueLimit, MultiTenantDefaults.RateWindow, _timeProvider);
        var gateLogger = context.LoggerFactory.CreateLogger<RateLimitedFetcher>();
        _context = context.WithFetcherDecorator(fetcher => new RateLimitedFetcher(fetcher, _gate, gateLogger));

        var sourceRole = _options.SourceRole;
        var sourceCredentials = _options.SourceCredentials;
        _source = new Lazy<AWSCredentials?>(() => sourceRole is null ? sourceCredentials : services.GetRequiredKeyedService<AssumeRoleCredentials>(sourceRole));

        var period = _options.IdleTimeout < TimeSpan.FromMinutes(1) ? _options.IdleTimeout : TimeSpan.FromMinutes(1);
        _sweepTimer = _timeProvider.CreateTimer(static s => ((TenantCredentialsFactory)s!).OnSweepTimer(), this, period, period);
    }

    public int Count => _entries.Count;

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>The shared rate limiter (tests inspect it).</summary>
    internal StsRateGate Gate => _gate;

    public AWSCredentials GetCredentials(string roleArn, string? externalId = null, string? roleSessionName = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(roleArn);

        // Each argument is checked on its own, so the exception names the parameter that is wrong (tenant data, often).
        ThrowIfInvalid(StsConstraints.RoleArn, roleArn, nameof(roleArn));
        ThrowIfInvalid(StsConstraints.ExternalId, externalId, nameof(externalId));
        ThrowIfInvalid(StsConstraints.RoleSessionName, roleSessionName, nameof(roleSessionName));
        var key = new TenantKey(roleArn, externalId, roleSessionName ?? _options.RoleSessionName);

        // Create (and so validate) now: a bad ARN or external ID fails here, at the caller, not at first use.
        Lease(key);
        return new TenantCredentials(this, key);
    }

    private static void ThrowIfInvalid(StringRule rule, string? value, string paramName)
    {
        if (rule.Check(value, paramName) is { } failure)
        {
            throw new ArgumentException(failure, paramName);
        }
    }

    /// <summary>The tenant's provider, created if needed; marks it used.</summary>
    public AssumeRoleCredentials Lease(TenantKey key)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var now = _timeProvider.GetTimestamp();
        if (!_entries.TryGetValue(key, out var entry))
        {
            var created = new Entry(CreateProvider(key), now);
            entry = _entries.GetOrAdd(key, created);
            if (!ReferenceEquals(entry, created))
            {
                created.Provider.Dispose(); // another caller won the race; sessions are shared, so nothing was fetched
            }
            else if (IsDisposed)
            {
                // Dispose ran while the provider was being created and may have emptied the map before our entry
                // arrived: nobody else would dispose it. The read is ordered after the add (ConcurrentDictionary's
                // lock), and Dispose's write before its sweep (Interlocked), so one of the two always sees the other.
                if (_entries.TryRemove(new KeyValuePair<TenantKey, Entry>(key, created)))
                {
                    created.Provider.Dispose();
                }

                throw new ObjectDisposedException(nameof(TenantCredentialsFactory));
            }
            else if (_entries.Count > _options.MaxTenants)
            {
                Trim();
            }
        }

        entry.LastUsed = now;
        return entry.Provider;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _sweepTimer.Dispose();
        foreach (var key in _entries.Keys)
        {
            if (_entries.TryRemove(key, out var entry))
            {
                entry.Provider.Dispose();
            }
        }

        _gate.Dispose();
    }

    private void OnSweepTimer()
    {
        try
        {
            EvictIdle();
        }
        catch (Exception)
        {
            // A timer callback must not throw (it would end the process); the next tick sweeps again.
        }
    }

    /// <summary>Evicts providers unused for <see cref="MultiTenantOptions.IdleTimeout"/>.</summary>
    internal int EvictIdle()
    {
        var evicted = 0;
        foreach (var (key, entry) in _entries)
        {
            if (_timeProvider.GetElapsedTime(entry.LastUsed) >= _options.IdleTimeout)
            {
                evicted += Evict(key, entry, "idle") ? 1 : 0;
            }
        }

        return evicted;
    }

    private void Trim()
    {
        // Evict a tenth beyond the limit at once, so a steady stream of new tenants does not sort on every insert.
        lock (_trimGate)
        {
            var excess = _entries.Count - _options.MaxTenants;
            if (excess <= 0)
            {
                return;
            }

            var slack = Math.Max(1, _options.MaxTenants / 10);
            foreach (var (key, entry) in _entries.OrderBy(e => e.Value.LastUsed).Take(Math.Min(excess + slack, _entries.Count - 1)))
            {
                Evict(key, entry, "size limit");
            }
        }
    }

    private bool Evict(TenantKey key, Entry entry, string reason)
    {
        if (!_entries.TryRemove(new KeyValuePair<TenantKey, Entry>(key, entry)))
        {
            return false;
        }

        Log.TenantEvicted(_logger, key.RoleArn, reason);
        entry.Provider.Dispose();
        return true;
    }

    private AssumeRoleCredentials CreateProvider(TenantKey key)
    {
        var options = new AssumeRoleOptions
        {
            RoleArn = key.RoleArn,
            ExternalId = key.ExternalId,
            RoleSessionName = key.RoleSessionName,
            DurationSeconds = _options.DurationSeconds,
            Region = _options.Region,
            ServiceUrl = _options.ServiceUrl,
            SourceCredentials = _source.Value,
            MaxStsRetries = _options.MaxStsRetries,
        };
        AssumeRoleOptionsValidator.ThrowIfInvalid(options, "options");
        return new AssumeRoleCredentials(options, _context);
    }

    private sealed class Entry(AssumeRoleCredentials provider, long lastUsed)
    {
        private long _lastUsed = lastUsed;

        public AssumeRoleCredentials Provider { get; } = provider;

        public long LastUsed
        {
            get => Volatile.Read(ref _lastUsed);
            set => Volatile.Write(ref _lastUsed, value);
        }
    }
}
