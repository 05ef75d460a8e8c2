using Amazon.Extensions.NETCore.Setup;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AssumeRole.Extensions.DependencyInjection;

/// <summary>
/// Wiring mistakes that would otherwise pass start-up (and readiness probes) and only show on the first request,
/// checked while the host starts, before any hosted service's <c>StartAsync</c> (warm-up included):
/// <list type="bullet">
/// <item>an <see cref="AWSOptions"/> service whose <c>Credentials</c> is not the default role's (registered after
/// <c>AddAssumeRole</c>, so DI's last registration won): every <c>AddAWSService&lt;T&gt;()</c> client would silently use
/// other credentials, usually the SDK's ambient chain;</item>
/// <item><c>AWS:SessionRoleArn</c> beside a role whose SDK clients are built from those options: the SDK would assume
/// it on top of the role.</item>
/// </list>
/// Options rules (a missing section, a misnamed default role, STS limits) are checked by options validation, which the
/// host runs even earlier (<c>ValidateOnStart</c>).
/// </summary>
internal sealed class AssumeRoleStartupCheck(
    IServiceProvider services,
    IEnumerable<AssumeRoleRegistration> roles,
    IEnumerable<AssumeRoleClientRegistration> clients) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        if (roles.Any(r => r.Name.Length == 0))
        {
            CheckDefaultRoleOptions();
        }

        foreach (var name in clients.Select(c => c.Name).Distinct(StringComparer.Ordinal))
        {
            // Builds the options the named role's keyed clients are made from: throws on SessionRoleArn.
            _ = AwsOptionsFactory.ForRole(services, name);
        }

        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void CheckDefaultRoleOptions()
    {
        // Ours throws here when AWS:SessionRoleArn is set (see AwsOptionsFactory).
        var options = services.GetService<AWSOptions>();
        var role = services.GetRequiredService<AssumeRoleCredentials>();
        if (options is null || ReferenceEquals(options.Credentials, role))
        {
            return;
        }

        var used = options.Credentials is null
            ? "no credentials, so every AddAWSService<T>() client falls back to the SDK's default credential chain (environment, profile, instance role)"
            : $"credentials of type {options.Credentials.GetType().Name}, so every AddAWSService<T>() client uses those";
        throw new InvalidOperationException(
            $"The AWSOptions service does not carry the credentials of AssumeRole role 'default' ({role.RoleArn}): it has {used}, not the role. " +
            "An AWSOptions registered after AddAssumeRole (for example AddDefaultAWSOptions) replaces the one AddAssumeRole registered. " +
            "Register it before AddAssumeRole (its region and client settings are kept and the role's credentials added), " +
            "or set its Credentials to the AssumeRoleCredentials service.");
    }
}
