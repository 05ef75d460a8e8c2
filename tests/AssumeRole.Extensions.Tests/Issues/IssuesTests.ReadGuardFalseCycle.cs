using AssumeRole.Extensions.Tests.DependencyInjection;
using AssumeRole.Extensions.Tests.Fakes;
using Amazon;
using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Review of 091a6d9: the AWSOptions read guard is one static <see cref="AsyncLocal{T}"/> for every container, and the
/// keyed binding checks it before it knows whether the role reads the AWSOptions at all. So within a read, two
/// resolutions that are no cycle throw <c>AwsOptionsCycleException</c>: (1) a role that sets its own Region (the README
/// documents the error only for a role without one, and the message tells the user to set the Region that is set);
/// (2) a role of another container, whose region comes from that container's own AWSOptions.
/// </summary>
public sealed class IssuesTestsReadGuardFalseCycle
{
    private readonly TestEngine _engine = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StartAsync_AwsOptionsFactoryResolvesRoleWithItsOwnRegion_NoCycleError()
    {
        using var host = DiTestHost.BuildHost(_engine, (s, _) =>
        {
            s.AddDefaultAWSOptions(sp => new AWSOptions
            {
                Region = RegionEndpoint.EUWest1,
                Credentials = sp.GetRequiredKeyedService<AWSCredentials>("base"),
            });
            s.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn);
            s.AddAssumeRole("base", o =>
            {
                o.RoleArn = DiTestHost.OtherRoleArn;
                o.Region = "us-west-2";
            });
        });

        await host.StartAsync(Ct);

        Assert.Equal("sts.eu-west-1 (regional endpoint)", host.Services.GetRequiredService<AssumeRoleCredentials>().Session.Fetcher.Endpoint);
        Assert.Equal("sts.us-west-2 (regional endpoint)", host.Services.GetRequiredKeyedService<AssumeRoleCredentials>("base").Session.Fetcher.Endpoint);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task StartAsync_AwsOptionsFactoryResolvesRoleOfAnotherContainer_NoCycleError()
    {
        var other = new ServiceCollection();
        other.UseEngine(_engine);
        other.AddDefaultAWSOptions(new AWSOptions { Region = RegionEndpoint.USWest2 });
        other.AddAssumeRole(o => o.RoleArn = DiTestHost.OtherRoleArn);
        await using var otherServices = other.BuildServiceProvider();

        using var host = DiTestHost.BuildHost(_engine, (s, _) =>
        {
            s.AddDefaultAWSOptions(_ => new AWSOptions
            {
                Region = RegionEndpoint.EUWest1,
                Credentials = otherServices.GetRequiredService<AssumeRoleCredentials>(),
            });
            s.AddAssumeRole(o => o.RoleArn = TestEngine.RoleArn);
        });

        await host.StartAsync(Ct);

        Assert.Equal("sts.eu-west-1 (regional endpoint)", host.Services.GetRequiredService<AssumeRoleCredentials>().Session.Fetcher.Endpoint);
        Assert.Equal("sts.us-west-2 (regional endpoint)", otherServices.GetRequiredService<AssumeRoleCredentials>().Session.Fetcher.Endpoint);
        await host.StopAsync(Ct);
    }
}
