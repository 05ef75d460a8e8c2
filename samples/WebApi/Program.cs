// Minimal API with one named role per entry of AssumeRole:Roles, each with its own keyed STS client.
//
//   dotnet run --project samples/WebApi                                   # Development: a local STS emulator
//   curl localhost:5000/whoami/reader ; curl localhost:5000/health
//   dotnet run --project samples/WebApi --no-launch-profile               # Production: real AWS (your default credentials)
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
var roles = builder.Configuration.GetSection("AssumeRole:Roles").GetChildren().Select(s => s.Key).ToList();

// The production path: the roles from configuration, their warm-up, health checks and keyed SDK clients.
foreach (var role in roles)
{
    builder.Services.AddAssumeRole(role, builder.Configuration.GetSection($"AssumeRole:Roles:{role}"))
        .WithWarmUp()
        .WithHealthCheck()
        .AddAWSService<IAmazonSecurityTokenService>();
}

if (builder.Environment.IsDevelopment())
{
    // Development only: STS is a local emulator (see DevelopmentSts.cs); production never starts one.
    await builder.AddDevelopmentStsAsync(roles);
}

var app = builder.Build();

app.MapGet("/whoami/{role}", async (string role, IServiceProvider services, CancellationToken ct) =>
{
    if (!roles.Contains(role))
    {
        return Results.NotFound(new { error = $"No role '{role}'. Known: {string.Join(", ", roles)}" });
    }

    var sts = services.GetRequiredKeyedService<IAmazonSecurityTokenService>(role);
    var identity = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), ct);
    return Results.Ok(new { role, arn = identity.Arn, account = identity.Account });
});

// One AssumeRoleHealthCheck per role: Healthy, Degraded while a refresh fails but valid credentials remain,
// Unhealthy when none remain. It never calls STS, so probes are free.
app.MapHealthChecks("/health");

app.Run();

/// <summary>The entry point, visible to <c>WebApplicationFactory&lt;Program&gt;</c> in tests.</summary>
public partial class Program;
