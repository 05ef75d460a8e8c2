// A worker that calls GetCallerIdentity every few seconds as an assumed role.
//
//   dotnet run --project samples/WorkerService -- --iterations 3        # Development: a local STS emulator
//   dotnet run --project samples/WorkerService --no-launch-profile -- --AssumeRole:RoleArn arn:aws:iam::ACCOUNT:role/NAME
using Amazon.SecurityToken;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using WorkerService;

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });

// The production path: the role from configuration, fetched at start, and the SDK client that uses it.
builder.Services.AddAssumeRole(builder.Configuration.GetSection("AssumeRole")).WithWarmUp();
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

// Development only: STS is a local emulator (see DevelopmentSts.cs); production never starts one.
var emulator = builder.Environment.IsDevelopment() ? await DevelopmentSts.AddAsync(builder) : null;

using var host = builder.Build();
await host.RunAsync();
if (emulator is not null)
{
    Console.WriteLine($"STS AssumeRole calls made: {emulator.CountCalls("AssumeRole")}");
    await emulator.DisposeAsync();
}
