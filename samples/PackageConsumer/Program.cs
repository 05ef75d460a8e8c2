// PackageConsumer: the package README's quick start, as a new user writes it, against the embedded STS emulator.
// Built from the packed .nupkg files (see PackageConsumer.csproj); CI checks the "assumed-role:" and "package:" lines.
using System.Reflection;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AssumeRole.Extensions;
using AssumeRole.Extensions.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

await using var sts = await StsEmulator.StartAsync();
var user = sts.AddUser("consumer");

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
var roleArn = builder.Configuration["AssumeRole:RoleArn"]!;
sts.AddRole(roleArn, role => role.TrustPrincipal(user.Arn));

// Point the role and the SDK clients at the emulator (in production: nothing here, the defaults are AWS's).
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["AWS:ServiceURL"] = sts.Endpoint.ToString(),
    ["AWS:AuthenticationRegion"] = sts.Region,
    ["AssumeRole:ServiceUrl"] = sts.Endpoint.ToString(),
    ["AssumeRole:Region"] = sts.Region,
});

var source = new BasicAWSCredentials(user.AccessKeyId, user.SecretAccessKey);
builder.Services.AddAssumeRole(builder.Configuration.GetSection("AssumeRole"))
    .Configure((options, _) => options.SourceCredentials = source)
    .WithWarmUp();
builder.Services.AddAWSService<IAmazonSecurityTokenService>();

using var host = builder.Build();
await host.StartAsync();

var client = host.Services.GetRequiredService<IAmazonSecurityTokenService>();
var identity = await client.GetCallerIdentityAsync(new GetCallerIdentityRequest());
Console.WriteLine($"assumed-role: {identity.Arn}");
Console.WriteLine($"package: AssumeRole.Extensions {Version(typeof(AssumeRoleCredentials))}, AssumeRole.Extensions.Testing {Version(typeof(StsEmulator))}");
Console.WriteLine($"STS AssumeRole calls: {sts.CountCalls("AssumeRole")}");

await host.StopAsync();
return 0;

static string? Version(Type type) =>
    type.Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
