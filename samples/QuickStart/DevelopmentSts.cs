using Amazon.Runtime;
using AssumeRole.Extensions;
using AssumeRole.Extensions.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace QuickStart;

/// <summary>
/// Development-only wiring: a local STS emulator that knows the chain of appsettings.json and a generated source user,
/// and a simulated clock so that two hours of refreshes play out in seconds. Called only in the Development environment.
/// </summary>
internal sealed class DevelopmentSts
{
    private DevelopmentSts(StsEmulator emulator, FakeTimeProvider clock)
    {
        Emulator = emulator;
        Clock = clock;
    }

    public StsEmulator Emulator { get; }

    public FakeTimeProvider Clock { get; }

    public static async Task<DevelopmentSts> AddAsync(HostApplicationBuilder builder)
    {
        // The emulator runs on the simulated clock (issue times, expiry) and checks signatures against the real one,
        // which the SDK signs with: no clock-skew setting is needed however far the simulated clock moves.
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var emulator = await StsEmulator.StartAsync(new StsEmulatorOptions { TimeProvider = clock });
        var user = emulator.AddUser("quickstart");
        var config = builder.Configuration;
        var hub = config["AssumeRole:Chain:0:RoleArn"]!;
        var workload = config["AssumeRole:Chain:1:RoleArn"]!;
        emulator.AddRole(hub, o => o.MaxSessionDuration = TimeSpan.FromHours(12));
        emulator.AddRole(workload, o => o.TrustPrincipal(hub));
        emulator.AddRole(config["AssumeRole:RoleArn"]!, o => o.TrustPrincipal(workload));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            // The SDK clients' endpoint. AssumeRole's STS calls take AWS:Region (appsettings.json) like the clients do.
            ["AWS:ServiceURL"] = emulator.Endpoint.ToString(),
            ["AWS:AuthenticationRegion"] = emulator.Region,
            ["AssumeRole:ServiceUrl"] = emulator.Endpoint.ToString(),

            // The simulated clock jumps minutes at a time; a per-request timeout measured on it would cut real requests.
            ["AssumeRole:StsRequestTimeout"] = "01:00:00",
        });
        var source = new BasicAWSCredentials(user.AccessKeyId, user.SecretAccessKey);
        builder.Services.PostConfigure<AssumeRoleOptions>(o => o.SourceCredentials ??= source);
        builder.Services.AddSingleton<TimeProvider>(clock);
        Console.WriteLine($"Mode: Development, embedded STS emulator at {emulator.Endpoint} (simulated clock), source user {user.Arn}");
        return new DevelopmentSts(emulator, clock);
    }
}
