// PackageConsumer: the package README's quick start, as a new user writes it, against the embedded STS emulator: the role
// (a 2-hop chain) comes from appsettings.json through AddAssumeRole(section). Built from the packed .nupkg files (see
// PackageConsumer.csproj), run as a .NET app and published and run with Native AOT; CI (.ci/package) checks the
// "assumed-role:", "bound:" and "package:" lines of both.
using System.Reflection;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AssumeRole.Extensions;
using AssumeRole.Extensions.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

await using var sts = await StsEmulator.StartAsync();
var user = sts.AddUser("consumer");

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
// The emulator's roles, read from the same configuration: the hub trusts the user, the target role trusts the hub and
// lets it tag the session (the role's Tags).
var hubArn = builder.Configuration["AssumeRole:Chain:0:RoleArn"]!;
var roleArn = builder.Configuration["AssumeRole:RoleArn"]!;
sts.AddRole(hubArn, role => role.TrustPrincipal(user.Arn));
sts.AddRole(roleArn, role => role.TrustPrincipal(hubArn).AllowSessionTags = true);

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

// What AddAssumeRole(section) bound (under Native AOT, by the binder's generated code): nothing bound stops the host above.
var options = host.Services.GetRequiredService<IOptions<AssumeRoleOptions>>().Value;
Console.WriteLine($"bound: {options.Chain.Count + 1} hops, first {options.Chain[0].RoleArn} ({options.Chain[0].DurationSeconds} s), " +
    $"tags {string.Join(",", options.Tags.Select(t => t.Key + "=" + t.Value))}, STS timeout {options.StsRequestTimeout}");

var client = host.Services.GetRequiredService<IAmazonSecurityTokenService>();
var identity = await client.GetCallerIdentityAsync(new GetCallerIdentityRequest());
Console.WriteLine($"assumed-role: {identity.Arn}");
Console.WriteLine($"package: AssumeRole.Extensions {Version(typeof(AssumeRoleCredentials))}, AssumeRole.Extensions.Testing {Version(typeof(StsEmulator))}");
Console.WriteLine($"STS AssumeRole calls: {sts.CountCalls("AssumeRole")}");

await host.StopAsync();
return 0;

static string? Version(Type type) =>
    type.Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
