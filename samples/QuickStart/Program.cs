// QuickStart: a 3-hop role chain from appsettings.json, an AWS SDK client from DI, the identity at each hop and the
// refresh timeline.
//
//   dotnet run --project samples/QuickStart                       # Development: embedded STS emulator, simulated clock
//   dotnet run --project samples/QuickStart -- ARN1 [ARN2 [ARN3]] # real AWS: your default credentials, real clock
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AssumeRole.Extensions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QuickStart;

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
builder.Logging.ClearProviders();
if (args.Length > 0)
{
    // ARNs on the command line replace the chain from appsettings.json: the last is the target role.
    var overrides = new Dictionary<string, string?> { ["AssumeRole:RoleArn"] = args[^1], ["AssumeRole:DurationSeconds"] = null };
    for (var i = 0; i < 2; i++)
    {
        overrides[$"AssumeRole:Chain:{i}:RoleArn"] = i < args.Length - 1 ? args[i] : null;
    }

    builder.Configuration.AddInMemoryCollection(overrides);
    Console.WriteLine($"Mode: real AWS, {args.Length} hop(s), source = the SDK's default credentials");
}

// Development only (and without ARNs): STS is a local emulator on a simulated clock (see DevelopmentSts.cs).
var dev = builder.Environment.IsDevelopment() && args.Length == 0 ? await DevelopmentSts.AddAsync(builder) : null;
var clock = dev?.Clock ?? TimeProvider.System;
var start = clock.GetUtcNow();
builder.Services.AddSingleton<ILoggerProvider>(new TimelineLoggerProvider(clock, start));

// The library: one line for the role (a chain, from configuration), one for the SDK client that uses it.
builder.Services.AddAssumeRole(builder.Configuration.GetSection("AssumeRole")).WithWarmUp();
builder.Services.AddAWSService<IAmazonSecurityTokenService>();

using var host = builder.Build();
var exitCode = 0;
try
{
    Console.WriteLine("Refresh timeline:");
    await host.StartAsync();

    var options = host.Services.GetRequiredService<IOptions<AssumeRoleOptions>>().Value;
    var provider = host.Services.GetRequiredService<AssumeRoleCredentials>();
    Console.WriteLine($"Chain: {provider.HopCount} hop(s) to {provider.RoleArn}");

    // Identity at each hop. Hops 1..n-1 use providers for the chain's prefixes: they share the sessions the chain
    // already holds (process-wide cache), so they cost no STS call. The last hop is the SDK client from DI.
    for (var hop = 1; hop < provider.HopCount; hop++)
    {
        using var prefix = new AssumeRoleCredentials(Prefix(options, hop), clock, null);
        using var client = new AmazonSecurityTokenServiceClient(prefix, ClientConfig(host.Services));
        var identity = await client.GetCallerIdentityAsync(new GetCallerIdentityRequest());
        Console.WriteLine($"hop {hop}: {identity.Arn}");
    }

    var sts = host.Services.GetRequiredService<IAmazonSecurityTokenService>();
    var final = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest());
    Console.WriteLine($"hop {provider.HopCount}: {final.Arn}");
    Console.WriteLine($"Credentials expire at {provider.Expiration:O}");

    if (dev is not null)
    {
        var fake = dev.Clock;
        // Two simulated hours: the background refreshes fire on their own (proactive timers), callers never wait.
        var firstKey = (await provider.GetCredentialsAsync()).AccessKey;
        for (var minutes = 0; minutes < 120; minutes += 5)
        {
            fake.Advance(TimeSpan.FromMinutes(5));

            // Real I/O does not move with the simulated clock: give a refresh the timer just started a moment of
            // real time to reach the emulator before the clock jumps again.
            await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System);
            await provider.GetCredentialsAsync();
        }

        await Task.Delay(TimeSpan.FromMilliseconds(200), TimeProvider.System); // let the last background refresh log
        var again = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest());
        var rotated = (await provider.GetCredentialsAsync()).AccessKey != firstKey;
        Console.WriteLine($"After 2 simulated hours: hop {provider.HopCount}: {again.Arn} (credentials rotated: {rotated})");
        Console.WriteLine($"STS AssumeRole calls made: {dev.Emulator.CountCalls("AssumeRole")}");
        if (!rotated || again.Arn != final.Arn)
        {
            exitCode = 1;
        }
    }

    await host.StopAsync();
}
catch (Exception ex)
{
    Console.Error.WriteLine($"QuickStart failed: {ex.Message}");
    exitCode = 1;
}
finally
{
    if (dev is not null)
    {
        await dev.Emulator.DisposeAsync();
    }
}

return exitCode;

static AssumeRoleOptions Prefix(AssumeRoleOptions full, int hops)
{
    // Hops without a session name, region or URL take the role's: give the prefix exactly what the chain used.
    var target = full.Chain[hops - 1];
    var prefix = new AssumeRoleOptions
    {
        RoleArn = target.RoleArn,
        RoleSessionName = target.RoleSessionName ?? full.RoleSessionName,
        DurationSeconds = target.DurationSeconds,
        ExternalId = target.ExternalId,
        Region = target.Region ?? full.Region,
        ServiceUrl = target.ServiceUrl ?? full.ServiceUrl,
        SourceCredentials = full.SourceCredentials,
        StrictChainDurations = full.StrictChainDurations,
    };
    foreach (var hop in full.Chain.Take(hops - 1))
    {
        prefix.Chain.Add(new AssumeRoleHopOptions
        {
            RoleArn = hop.RoleArn,
            RoleSessionName = hop.RoleSessionName ?? full.RoleSessionName,
            DurationSeconds = hop.DurationSeconds,
            ExternalId = hop.ExternalId,
            Region = hop.Region ?? full.Region,
            ServiceUrl = hop.ServiceUrl ?? full.ServiceUrl,
        });
    }

    return prefix;
}

static AmazonSecurityTokenServiceConfig ClientConfig(IServiceProvider services)
{
    var aws = services.GetRequiredService<Amazon.Extensions.NETCore.Setup.AWSOptions>();
    var config = new AmazonSecurityTokenServiceConfig();
    if (aws.DefaultClientConfig.ServiceURL is { } url)
    {
        config.ServiceURL = url;
        config.AuthenticationRegion = aws.DefaultClientConfig.AuthenticationRegion;
    }
    else if (aws.Region is { } region)
    {
        config.RegionEndpoint = region;
    }

    return config;
}
