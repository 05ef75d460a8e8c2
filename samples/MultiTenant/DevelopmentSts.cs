using Amazon.Runtime;
using Amazon.SecurityToken;
using AssumeRole.Extensions;
using AssumeRole.Extensions.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MultiTenant;

/// <summary>
/// Development-only wiring: a local STS emulator in which each configured tenant's role trusts a generated backend user
/// on condition of the tenant's external ID. Called only when the environment is Development.
/// </summary>
internal static class DevelopmentSts
{
    public static async Task<StsEmulator> AddAsync(HostApplicationBuilder builder, IEnumerable<Tenant> tenants, AmazonSecurityTokenServiceConfig clientConfig)
    {
        var emulator = await StsEmulator.StartAsync();
        var backend = emulator.AddUser("saas-backend");
        foreach (var tenant in tenants)
        {
            emulator.AddRole(tenant.RoleArn, o =>
            {
                o.TrustPrincipal(backend.Arn);
                o.RequiredExternalId = tenant.ExternalId;
            });
        }

        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AssumeRole:MultiTenant:ServiceUrl"] = emulator.Endpoint.ToString(),
            ["AssumeRole:MultiTenant:Region"] = emulator.Region,
        });
        var source = new BasicAWSCredentials(backend.AccessKeyId, backend.SecretAccessKey);
        builder.Services.PostConfigure<MultiTenantOptions>(o => o.SourceCredentials ??= source);
        clientConfig.ServiceURL = emulator.Endpoint.ToString();
        clientConfig.AuthenticationRegion = emulator.Region;
        return emulator;
    }
}
