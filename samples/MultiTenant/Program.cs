// Multi-tenant SaaS: each tenant's role ARN and external ID come from configuration; a client per tenant is made on
// demand with credentials from IAssumeRoleCredentialsFactory.
//
//   dotnet run --project samples/MultiTenant                      # Development: a local STS emulator with the tenants
//   dotnet run --project samples/MultiTenant --no-launch-profile  # Production: real AWS (your default credentials)
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AssumeRole.Extensions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MultiTenant;

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
var tenants = builder.Configuration.GetSection("Tenants").Get<List<Tenant>>()!.ToDictionary(t => t.Id, StringComparer.Ordinal);
var clientConfig = new AmazonSecurityTokenServiceConfig
{
    RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(builder.Configuration["AWS:Region"] ?? "us-east-1"),
};

// Development only: STS is a local emulator (see DevelopmentSts.cs); production never starts one.
var emulator = builder.Environment.IsDevelopment() ? await DevelopmentSts.AddAsync(builder, tenants.Values, clientConfig) : null;

builder.Services.AddAssumeRoleMultiTenant(builder.Configuration.GetSection("AssumeRole:MultiTenant"));
builder.Services.AddSingleton(sp => new TenantClients(sp.GetRequiredService<IAssumeRoleCredentialsFactory>(), tenants, clientConfig));

using var host = builder.Build();
await host.StartAsync();
var clients = host.Services.GetRequiredService<TenantClients>();
var exitCode = 0;
foreach (var tenant in tenants.Values)
{
    try
    {
        var identity = await clients.For(tenant.Id).GetCallerIdentityAsync(new GetCallerIdentityRequest());
        Console.WriteLine($"tenant {tenant.Id}: {identity.Arn}");
    }
    catch (AssumeRoleException ex)
    {
        Console.WriteLine($"tenant {tenant.Id}: failed: {ex.Message}");
        exitCode = 1;
    }
}

// A second round reuses each tenant's client and session: no new STS AssumeRole call.
foreach (var tenant in tenants.Values)
{
    await clients.For(tenant.Id).GetCallerIdentityAsync(new GetCallerIdentityRequest());
}

if (emulator is not null)
{
    Console.WriteLine($"STS AssumeRole calls made: {emulator.CountCalls("AssumeRole")} for {tenants.Count} tenants");
}

await host.StopAsync();
emulator?.Dispose();
return exitCode;
