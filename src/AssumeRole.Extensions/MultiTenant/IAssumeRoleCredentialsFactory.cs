using Amazon.Runtime;

namespace AssumeRole.Extensions;

/// <summary>
/// Hands out credentials for roles known only at run time — the SaaS case, where each customer's account has a role
/// your service assumes with the customer's external ID. Register with <c>services.AddAssumeRoleMultiTenant()</c>.
/// </summary>
/// <remarks>
/// Providers are cached per (role ARN, external ID, session name), shared by every caller, evicted when idle or when
/// the cache is full, and their STS calls pass a rate limiter (<see cref="MultiTenantOptions.StsCallsPerSecond"/>), so
/// a cold start of thousands of tenants stays within the STS quota. The returned object stays usable after its
/// provider was evicted: its next call transparently re-creates it.
/// </remarks>
public interface IAssumeRoleCredentialsFactory
{
    /// <summary>Gets credentials for a tenant's role. Cheap: no STS call happens until the credentials are used.</summary>
    /// <param name="roleArn">The tenant's role.</param>
    /// <param name="externalId">The external ID the role's trust policy requires, or <see langword="null"/>.</param>
    /// <param name="roleSessionName">The session name, or <see langword="null"/> for <see cref="MultiTenantOptions.RoleSessionName"/>.</param>
    /// <returns>Credentials to pass to an AWS SDK client (<c>new AmazonS3Client(credentials, config)</c>).</returns>
    /// <exception cref="ArgumentException">A value breaks an STS rule (the external ID is never echoed).</exception>
    AWSCredentials GetCredentials(string roleArn, string? externalId = null, string? roleSessionName = null);
}
