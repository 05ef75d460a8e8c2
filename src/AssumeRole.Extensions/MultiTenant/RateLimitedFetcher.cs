using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Sts;
using Microsoft.Extensions.Logging;

namespace AssumeRole.Extensions.MultiTenant;

/// <summary>
/// Makes a tenant session's refresh attempt wait for the <see cref="StsRateGate"/> first. It wraps the fetcher rather
/// than the STS client so that time spent queued never counts against the per-request STS timeout.
/// </summary>
internal sealed class RateLimitedFetcher(ISessionFetcher inner, StsRateGate gate, ILogger logger) : ISessionFetcher
{
    public string RoleArn => inner.RoleArn;

    /// <summary>The fetcher that calls STS once the gate lets it.</summary>
    public ISessionFetcher Inner => inner;

    public string Endpoint => inner.Endpoint;

    public async Task<StsCredentials> FetchAsync(CancellationToken cancellationToken)
    {
        if (!await gate.WaitAsync(cancellationToken).ConfigureAwait(false))
        {
            Log.TenantRateLimited(logger, RoleArn, gate.QueueLimit);
            var (hop, count) = inner is AssumeRoleFetcher f ? (f.Hop, f.HopCount) : (1, 1);
            throw new AssumeRoleException(RoleArn, hop, count, "RateLimited", null, null, isTransient: true,
                $"Too many tenant STS calls are queued (MultiTenantOptions.QueueLimit = {gate.QueueLimit}).", null);
        }

        return await inner.FetchAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => inner.Dispose();
}
