using AssumeRole.Extensions;
using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="AssumeRoleHealthCheck"/> with Microsoft.Extensions health checks: for a role registered with <c>AddAssumeRole</c>, or for any provider.</summary>
public static class AssumeRoleHealthChecksBuilderExtensions
{
    /// <summary>Adds a health check that reports on the credentials of one role.</summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The name of the check (for example the role's registration name).</param>
    /// <param name="resolve">Gets the provider to report on from the service provider (for example a keyed service).</param>
    /// <param name="failureStatus">The status reported when no valid credentials remain; <see langword="null"/> for <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags to filter checks by (for example <c>ready</c>).</param>
    /// <param name="timeout">The check's timeout; <see langword="null"/> for the default. The check never calls STS.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IHealthChecksBuilder AddAssumeRoleCheck(
        this IHealthChecksBuilder builder,
        string name,
        Func<IServiceProvider, AssumeRoleCredentials> resolve,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null,
        TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(resolve);
        return builder.Add(new HealthCheckRegistration(
            name,
            sp => new AssumeRoleHealthCheck(resolve(sp)),
            failureStatus,
            tags,
            timeout));
    }

    /// <summary>
    /// Adds an <see cref="AssumeRole.Extensions.Diagnostics.AssumeRoleHealthCheck"/> for the role to the host's health
    /// checks, named <c>assume-role</c> for the default role and <c>assume-role:NAME</c> for a named one: Healthy,
    /// Degraded while a refresh fails but valid credentials remain, <paramref name="failureStatus"/> when none remain.
    /// </summary>
    /// <param name="builder">The role's builder.</param>
    /// <param name="failureStatus">The status when no valid credentials remain; <see langword="null"/> for <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags to filter checks by (for example <c>ready</c>).</param>
    /// <returns>The builder.</returns>
    public static IAssumeRoleBuilder WithHealthCheck(this IAssumeRoleBuilder builder, HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var name = builder.Name;
        var isDefault = name == Microsoft.Extensions.Options.Options.DefaultName;
        builder.Services.AddHealthChecks().AddAssumeRoleCheck(
            isDefault ? "assume-role" : "assume-role:" + name,
            sp => isDefault ? sp.GetRequiredService<AssumeRoleCredentials>() : sp.GetRequiredKeyedService<AssumeRoleCredentials>(name),
            failureStatus,
            tags);
        return builder;
    }
}
