using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AssumeRole.Extensions;

namespace WorkerService;

/// <summary>Calls GetCallerIdentity on a timer with the DI client; the role refreshes itself in the background.</summary>
internal sealed partial class IdentityWorker(
    IAmazonSecurityTokenService sts,
    AssumeRoleCredentials role,
    IConfiguration configuration,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<IdentityWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(configuration.GetValue("Worker:IntervalSeconds", 2));
        var iterations = configuration.GetValue<int?>("iterations");
        using var timer = new PeriodicTimer(interval, time);
        DateTime? lastExpiration = null;
        for (var i = 1; iterations is null || i <= iterations; i++)
        {
            var identity = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), stoppingToken);
            if (role.Expiration != lastExpiration)
            {
                LogRefreshed(logger, role.Expiration);
                lastExpiration = role.Expiration;
            }

            LogIdentity(logger, i, identity.Arn);
            if (iterations is not null && i == iterations || !await timer.WaitForNextTickAsync(stoppingToken))
            {
                break;
            }
        }

        lifetime.StopApplication();
    }

    [LoggerMessage(1, LogLevel.Information, "iteration {Iteration}: {Arn}")]
    private static partial void LogIdentity(ILogger logger, int iteration, string arn);

    [LoggerMessage(2, LogLevel.Information, "credentials (re)fetched; they expire at {Expiration:O}")]
    private static partial void LogRefreshed(ILogger logger, DateTime? expiration);
}
