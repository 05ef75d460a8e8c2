using AssumeRole.Extensions.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AssumeRole.Extensions.DependencyInjection;

/// <summary>
/// Fetches every role marked with <c>WithWarmUp()</c> while the host starts, so the first request (and any sync
/// <c>GetCredentials()</c> call) never waits for STS, and a role that cannot be assumed stops the host at once
/// instead of failing the first request.
/// </summary>
internal sealed class AssumeRoleWarmUpService(
    IServiceProvider services,
    IEnumerable<AssumeRoleWarmUpRegistration> roles,
    TimeProvider timeProvider,
    ILoggerFactory? loggerFactory = null) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var names = roles.Select(r => r.Name).Distinct(StringComparer.Ordinal).ToList();
        var started = timeProvider.GetTimestamp();
        var warmUps = names.Select(name => services.GetRequiredKeyedService<AssumeRoleCredentials>(name).WarmUpAsync(cancellationToken));
        await Task.WhenAll(warmUps).ConfigureAwait(false);
        Log.WarmedUp((loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<AssumeRoleWarmUpService>(), names.Count, timeProvider.GetElapsedTime(started).TotalMilliseconds);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
