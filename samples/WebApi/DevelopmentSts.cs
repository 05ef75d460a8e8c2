using Amazon.Runtime;
using AssumeRole.Extensions;
using AssumeRole.Extensions.Testing;

/// <summary>
/// Development-only wiring: a local STS emulator that trusts a generated user and knows the configured roles, with the
/// configuration pointed at it. Called only when the environment is Development.
/// </summary>
internal static class DevelopmentSts
{
    public static async Task AddDevelopmentStsAsync(this WebApplicationBuilder builder, IReadOnlyList<string> roles)
    {
        var emulator = await StsEmulator.StartAsync();
        var user = emulator.AddUser("webapi");
        var overrides = new Dictionary<string, string?>
        {
            // The SDK clients' endpoint; AssumeRole's STS calls take the same region (AWS:AuthenticationRegion is for
            // the clients' signatures, which the emulator checks).
            ["AWS:ServiceURL"] = emulator.Endpoint.ToString(),
            ["AWS:AuthenticationRegion"] = emulator.Region,
            ["AWS:Region"] = emulator.Region,
        };
        foreach (var role in roles)
        {
            emulator.AddRole(builder.Configuration[$"AssumeRole:Roles:{role}:RoleArn"]!);
            overrides[$"AssumeRole:Roles:{role}:ServiceUrl"] = emulator.Endpoint.ToString();
        }

        builder.Configuration.AddInMemoryCollection(overrides);
        var source = new BasicAWSCredentials(user.AccessKeyId, user.SecretAccessKey);
        builder.Services.PostConfigureAll<AssumeRoleOptions>(o => o.SourceCredentials ??= source);

        builder.Services.AddHostedService(_ => new StopWithTheApp(emulator));
    }

    /// <summary>Stops the emulator when the app stops.</summary>
    private sealed class StopWithTheApp(StsEmulator emulator) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken) => await emulator.DisposeAsync();
    }
}
