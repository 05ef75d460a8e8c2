using System.Collections.Concurrent;
using Amazon.SecurityToken;
using AssumeRole.Extensions;

namespace MultiTenant;

/// <summary>A tenant of the SaaS, as configured: the role in the customer's account and the external ID they gave us.</summary>
internal sealed record Tenant(string Id, string RoleArn, string ExternalId);

/// <summary>
/// One STS client per tenant, made on first use. The credentials come from <see cref="IAssumeRoleCredentialsFactory"/>,
/// which shares, refreshes, evicts and rate-limits the tenant sessions; a client stays valid after its session was
/// evicted (the credentials handle re-creates it).
/// </summary>
internal sealed class TenantClients(IAssumeRoleCredentialsFactory factory, IReadOnlyDictionary<string, Tenant> tenants, AmazonSecurityTokenServiceConfig config) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<IAmazonSecurityTokenService>> _clients = new(StringComparer.Ordinal);

    public IAmazonSecurityTokenService For(string tenantId) =>
        _clients.GetOrAdd(tenantId, id => new Lazy<IAmazonSecurityTokenService>(() =>
        {
            var tenant = tenants.TryGetValue(id, out var t) ? t : throw new KeyNotFoundException($"Unknown tenant '{id}'.");
            return new AmazonSecurityTokenServiceClient(factory.GetCredentials(tenant.RoleArn, tenant.ExternalId), config);
        })).Value;

    public void Dispose()
    {
        foreach (var client in _clients.Values.Where(c => c.IsValueCreated))
        {
            client.Value.Dispose();
        }
    }
}
