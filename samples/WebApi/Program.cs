// Minimal API with one named role per entry of AssumeRole:Roles, each with its own keyed STS client.
//
//   dotnet run --project samples/WebApi                       # embedded emulator
//   curl localhost:5000/whoami/reader ; curl localhost:5000/health
//   dotnet run --project samples/WebApi -- --real true         # real AWS (your default credentials)
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AssumeRole.Extensions;
using AssumeRole.Extensions.Testing;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
var roles = builder.Configuration.GetSection("AssumeRole:Roles").GetChildren().Select(s => s.Key).ToList();
StsEmulator? emulator = null;
AWSCredentials? source = null;
if (!builder.Configuration.GetValue("real", false))
{
    emulator = await StsEmulator.StartAsync();
    var user = emulator.AddUser("webapi");
    source = new BasicAWSCredentials(user.AccessKeyId, user.SecretAccessKey);
    var overrides = new Dictionary<string, string?>
    {
        ["AWS:ServiceURL"] = emulator.Endpoint.ToString(),
        ["AWS:AuthenticationRegion"] = emulator.Region,
    };
    foreach (var role in roles)
    {
        emulator.AddRole(builder.Configuration[$"AssumeRole:Roles:{role}:RoleArn"]!);
        overrides[$"AssumeRole:Roles:{role}:ServiceUrl"] = emulator.Endpoint.ToString();
        overrides[$"AssumeRole:Roles:{role}:Region"] = emulator.Region;
    }

    builder.Configuration.AddInMemoryCollection(overrides);
}

foreach (var role in roles)
{
    builder.Services.AddAssumeRole(role, builder.Configuration.GetSection($"AssumeRole:Roles:{role}"))
        .Configure((o, _) => o.SourceCredentials ??= source)
        .WithWarmUp()
        .WithHealthCheck()
        .AddAWSService<IAmazonSecurityTokenService>();
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

app.Lifetime.ApplicationStopped.Register(() => emulator?.Dispose());
app.Run();
