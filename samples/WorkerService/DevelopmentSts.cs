using Amazon.Runtime;
using AssumeRole.Extensions;
using AssumeRole.Extensions.Testing;

namespace WorkerService;

/// <summary>
/// Development-only wiring: a local STS emulator that knows the configured role and a generated source user, with the
/// configuration pointed at it. Called only when the environment is Development.
/// </summary>
internal static class DevelopmentSts
{
    public static async Task<StsEmulator> AddAsync(HostApplicationBuilder builder)
    {
        var emulator = await StsEmulator.StartAsync();
        var user = emulator.AddUser("worker");
        emulator.AddRole(builder.Configuration["AssumeRole:RoleArn"]!);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            // One region for the SDK clients and for AssumeRole's STS calls (the role sets none, so it takes AWS:Region).
            ["AWS:Region"] = emulator.Region,
            ["AWS:ServiceURL"] = emulator.Endpoint.ToString(),
            ["AWS:AuthenticationRegion"] = emulator.Region,
            ["AssumeRole:ServiceUrl"] = emulator.Endpoint.ToString(),
        });
        var source = new BasicAWSCredentials(user.AccessKeyId, user.SecretAccessKey);
        builder.Services.PostConfigure<AssumeRoleOptions>(o => o.SourceCredentials ??= source);
        return emulator;
    }
}
