using Amazon.Extensions.NETCore.Setup;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AssumeRole.Extensions.DependencyInjection;

/// <summary>
/// Wiring mistakes that would otherwise pass start-up (and readiness probes) and only show on the first request,
/// checked while the host starts, before any hosted service's <c>StartAsync</c> (warm-up included):
/// <list type="bullet">
/// <item>an <see cref="AWSOptions"/> service whose <c>Credentials</c> are not an AssumeRole role's (registered after
/// <c>AddAssumeRole</c>, so DI's last registration won): every <c>AddAWSService&lt;T&gt;()</c> client would silently use
/// other credentials, usually the SDK's ambient chain;</item>
/// <item><c>AWS:SessionRoleArn</c> beside a role whose SDK clients are built from those options: the SDK would assume
/// it on top of the role.</item>
/// </list>
/// The check never builds a role's credentials (that needs source credentials, which a machine may only get later, and
/// is what warm-up is for), and resolves the app's <see cref="AWSOptions"/> in a scope, as its scoped clients do.
/// Options rules (a missing section, a misnamed default role, STS limits) are checked by options validation, which the
/// host runs even earlier (<c>ValidateOnStart</c>).
/// </summary>
internal sealed class AssumeRoleStartupCheck(
    IServiceProvider services,
    AwsOptionsTemplate template,
    IEnumerable<AssumeRoleRegistration> roles,
    IEnumerable<AssumeRoleClientRegistration> clients) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        var hasDefault = roles.Any(r => r.Name.Length == 0);
        var named = clients.Select(c => c.Name).Where(n => n.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (hasDefault || named.Count > 0)
        {
            // The options every client is built from, as the app configured them (AwsOptionsFactory copies them).
            if (AppOptions() is { } app)
            {
                AwsOptionsFactory.ThrowIfSessionRoleArn(app, hasDefault ? string.Empty : named[0]);
            }
        }

        if (hasDefault)
        {
            CheckDefaultRoleOptions();
        }

        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// The app's options, or <see langword="null"/> when its factory resolves a role's credentials: reading them here
    /// would build those credentials (which this check never does); every role then sets its region explicitly
    /// (otherwise options validation has already said so), and a SessionRoleArn still fails when a client is built.
    /// </summary>
    private AWSOptions? AppOptions()
    {
        try
        {
            return template.Options;
        }
        catch (AwsOptionsCycleException)
        {
            return null;
        }
    }

    private void CheckDefaultRoleOptions()
    {
        var registrations = services.GetService<AwsOptionsRegistrations>();
        if (registrations is null || registrations.OursWins)
        {
            return; // ours carries the role (its SessionRoleArn was checked above)
        }

        // Registered after AddAssumeRole: resolve what the app's clients get, in a scope (it may be scoped).
        using var scope = services.CreateScope();
        var options = scope.ServiceProvider.GetService<AWSOptions>();
        if (options is null)
        {
            return;
        }

        if (options.Credentials is AssumeRoleCredentials)
        {
            // A role of ours, chosen on purpose (the default one or a named one).
            AwsOptionsFactory.ThrowIfSessionRoleArn(options, string.Empty);
            return;
        }

        var roleArn = services.GetService<IOptionsMonitor<AssumeRoleOptions>>()?.Get(AssumeRoleOptions.DefaultRoleName).RoleArn;
        var used = options.Credentials is null
            ? "no credentials, so every AddAWSService<T>() client falls back to the SDK's default credential chain (environment, profile, instance role)"
            : $"credentials of type {options.Credentials.GetType().Name}, so every AddAWSService<T>() client uses those";
        throw new InvalidOperationException(
            $"The AWSOptions service does not carry the credentials of AssumeRole role 'default' ({roleArn}): it has {used}, not the role. " +
            "An AWSOptions registered after AddAssumeRole (for example AddDefaultAWSOptions) replaces the one AddAssumeRole registered. " +
            "Register it before AddAssumeRole (its region and client settings are kept and the role's credentials added), " +
            "or set its Credentials to the AssumeRoleCredentials service.");
    }
}
