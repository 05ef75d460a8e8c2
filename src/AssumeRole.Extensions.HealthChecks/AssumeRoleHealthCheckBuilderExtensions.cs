using AssumeRole.Extensions;
using AssumeRole.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds a health check for a role registered with <c>AddAssumeRole</c>.</summary>
public static class AssumeRoleHealthCheckBuilderExtensions
{
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
