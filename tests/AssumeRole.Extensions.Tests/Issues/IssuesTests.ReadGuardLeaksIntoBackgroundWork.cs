using AssumeRole.Extensions.Tests.DependencyInjection;
using AssumeRole.Extensions.Tests.Fakes;
using Amazon;
using Amazon.Extensions.NETCore.Setup;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Review of 78a65bb: the AWSOptions read guard became an <see cref="AsyncLocal{T}"/> so that it flows into work the
/// AWSOptions factory waits for. It also flows into work the factory only starts and that outlives the read: the
/// execution context captured by a <c>Task.Run</c>, a <see cref="Timer"/>, a thread or a background loop started while
/// the factory runs keeps the flag set for good (the <c>finally</c> that clears it changes only the reading thread's
/// context). Long after the read has ended, a legitimate role resolution on that work — here a named role with its own
/// Region, which never reads the AWSOptions at all — throws <c>AwsOptionsCycleException</c> ("Set the Region of role
/// 'orders' explicitly", which it is). With the [ThreadStatic] guard this resolved.
/// </summary>
public sealed class IssuesTestsReadGuardLeaksIntoBackgroundWork
{
    private readonly TestEngine _engine = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GetRequiredKeyedService_OnBackgroundWorkStartedByTheAwsOptionsFactory_ResolvesTheRoleAfterTheRead()
    {
        var go = new TaskCompletionSource<IServiceProvider>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<AssumeRoleCredentials>? background = null;
        using var host = DiTestHost.BuildHost(_engine, (s, _) =>
        {
            s.AddDefaultAWSOptions(_ =>
            {
                // What a factory does when it resolves a singleton that starts a poller, a warm-up or a timer: work
                // that runs after the factory has returned and uses a role's credentials later (through the root
                // provider: the factory's own is a scope that ends with the read).
                background ??= Task.Run(async () =>
                {
                    var root = await go.Task.ConfigureAwait(false);
                    return root.GetRequiredKeyedService<AssumeRoleCredentials>("orders");
                });
                return new AWSOptions { Region = RegionEndpoint.EUWest1 };
            });
            s.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn);
            s.AddAssumeRole("orders", o =>
            {
                o.RoleArn = DiTestHost.OtherRoleArn;
                o.Region = "us-west-2";
            });
        });

        // The start reads the AWSOptions (the default role's region comes from it): the factory runs and returns.
        await host.StartAsync(Ct);
        Assert.NotNull(background);
        Assert.Equal("sts.eu-west-1 (regional endpoint)", host.Services.GetRequiredService<AssumeRoleCredentials>().Session.Fetcher.Endpoint);

        // The read is over; the background work now resolves a role that has its own region.
        go.SetResult(host.Services);
        var orders = await background.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal("sts.us-west-2 (regional endpoint)", orders.Session.Fetcher.Endpoint);
        await host.StopAsync(Ct);
    }
}
