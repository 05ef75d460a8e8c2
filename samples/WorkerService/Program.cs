// A worker that calls GetCallerIdentity every few seconds as an assumed role.
//
//   dotnet run --project samples/WorkerService -- --iterations 3     # embedded emulator, stops after 3 calls
//   dotnet run --project samples/WorkerService -- --AssumeRole:RoleArn arn:aws:iam::ACCOUNT:role/NAME --real true
using Amazon.Runtime;
using Amazon.SecurityToken;
using AssumeRole.Extensions.Testing;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using WorkerService;

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
StsEmulator? emulator = null;
AWSCredentials? source = null;
if (!builder.Configuration.GetValue("real", false))
{
    emulator = await StsEmulator.StartAsync();
    var user = emulator.AddUser("worker");
    emulator.AddRole(builder.Configuration["AssumeRole:RoleArn"]!);
    source = new BasicAWSCredentials(user.AccessKeyId, user.SecretAccessKey);
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["AWS:ServiceURL"] = emulator.Endpoint.ToString(),
        ["AWS:AuthenticationRegion"] = emulator.Region,
        ["AssumeRole:ServiceUrl"] = emulator.Endpoint.ToString(),
        ["AssumeRole:Region"] = emulator.Region,
    });
}

builder.Services.AddAssumeRole(builder.Configuration.GetSection("AssumeRole"))
    .Configure((o, _) => o.SourceCredentials ??= source)
    .WithWarmUp();
builder.Services.AddAWSService<IAmazonSecurityTokenService>();
builder.Services.AddHostedService<IdentityWorker>();

// The library's metrics and spans (meter and ActivitySource "AssumeRole.Extensions") on the console: a span per
// refresh and per STS call as they finish, the instruments when the host stops (and every 10 s while it runs).
builder.Services.AddOpenTelemetry()
    .WithMetrics(metrics => metrics
        .AddMeter("AssumeRole.Extensions")
        .AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 10_000))
    .WithTracing(tracing => tracing
        .AddSource("AssumeRole.Extensions")
        .AddConsoleExporter());

using var host = builder.Build();
await host.RunAsync();
if (emulator is not null)
{
    Console.WriteLine($"STS AssumeRole calls made: {emulator.CountCalls("AssumeRole")}");
    await emulator.DisposeAsync();
}
