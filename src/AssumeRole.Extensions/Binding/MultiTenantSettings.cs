using Microsoft.Extensions.Configuration;

namespace AssumeRole.Extensions.Binding;

/// <summary>
/// What configuration binds of <see cref="MultiTenantOptions"/>: all but <see cref="MultiTenantOptions.SourceCredentials"/>.
/// See <see cref="AssumeRoleHopSettings"/> for how binding uses it.
/// </summary>
internal sealed class MultiTenantSettings
{
    public int MaxTenants { get; set; }

    public TimeSpan IdleTimeout { get; set; }

    public int StsCallsPerSecond { get; set; }

    public int QueueLimit { get; set; }

    public int MaxStsRetries { get; set; }

    public string? RoleSessionName { get; set; }

    public int? DurationSeconds { get; set; }

    public string? Region { get; set; }

    public string? ServiceUrl { get; set; }

    public string? SourceRole { get; set; }

    /// <summary>The settings with the options' current values.</summary>
    public static MultiTenantSettings Of(MultiTenantOptions options) => new()
    {
        MaxTenants = options.MaxTenants,
        IdleTimeout = options.IdleTimeout,
        StsCallsPerSecond = options.StsCallsPerSecond,
        QueueLimit = options.QueueLimit,
        MaxStsRetries = options.MaxStsRetries,
        RoleSessionName = options.RoleSessionName,
        DurationSeconds = options.DurationSeconds,
        Region = options.Region,
        ServiceUrl = options.ServiceUrl,
        SourceRole = options.SourceRole,
    };

    /// <summary>Applies null and empty values as the reflection binder did (see <see cref="ConfigurationValues"/>).</summary>
    public void ApplyNullAndEmpty(IConfiguration section)
    {
        var values = new ConfigurationValues(section);
        MaxTenants = values.Value(nameof(MaxTenants), MaxTenants);
        IdleTimeout = values.Value(nameof(IdleTimeout), IdleTimeout);
        StsCallsPerSecond = values.Value(nameof(StsCallsPerSecond), StsCallsPerSecond);
        QueueLimit = values.Value(nameof(QueueLimit), QueueLimit);
        MaxStsRetries = values.Value(nameof(MaxStsRetries), MaxStsRetries);
        RoleSessionName = values.String(nameof(RoleSessionName), RoleSessionName);
        DurationSeconds = values.Nullable(nameof(DurationSeconds), DurationSeconds);
        Region = values.String(nameof(Region), Region);
        ServiceUrl = values.String(nameof(ServiceUrl), ServiceUrl);
        SourceRole = values.String(nameof(SourceRole), SourceRole);
    }

    /// <summary>Writes the bound values onto the options; <see cref="MultiTenantOptions.SourceCredentials"/> stays.</summary>
    public void ApplyTo(MultiTenantOptions options)
    {
        options.MaxTenants = MaxTenants;
        options.IdleTimeout = IdleTimeout;
        options.StsCallsPerSecond = StsCallsPerSecond;
        options.QueueLimit = QueueLimit;
        options.MaxStsRetries = MaxStsRetries;
        options.RoleSessionName = RoleSessionName;
        options.DurationSeconds = DurationSeconds;
        options.Region = Region;
        options.ServiceUrl = ServiceUrl;
        options.SourceRole = SourceRole;
    }
}
