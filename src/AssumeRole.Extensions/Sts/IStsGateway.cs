using Amazon.SecurityToken.Model;

namespace AssumeRole.Extensions.Sts;

/// <summary>
/// The STS calls the engine makes. Production uses the AWS SDK client (<see cref="SdkStsGateway"/>); unit tests use an
/// in-memory STS double. Implementations throw <see cref="StsCallException"/> for every STS or transport failure.
/// </summary>
internal interface IStsGateway : IDisposable
{
    Task<StsCredentials> AssumeRoleAsync(AssumeRoleRequest request, CancellationToken cancellationToken);

    Task<StsCredentials> AssumeRoleWithWebIdentityAsync(AssumeRoleWithWebIdentityRequest request, CancellationToken cancellationToken);

    Task<StsCredentials> GetSessionTokenAsync(GetSessionTokenRequest request, CancellationToken cancellationToken);

    /// <summary>The ARN of the principal whose credentials this gateway signs with (<c>sts:GetCallerIdentity</c>).</summary>
    Task<string> GetCallerArnAsync(CancellationToken cancellationToken);

    /// <summary>
    /// <c>sts:GetCallerIdentity</c> with the response's HTTP <c>Date</c>, from which the second-level caches learn
    /// STS's clock. Gateways that cannot see the Date keep this default (no Date).
    /// </summary>
    async Task<CallerIdentity> GetCallerIdentityAsync(CancellationToken cancellationToken) =>
        new(await GetCallerArnAsync(cancellationToken).ConfigureAwait(false), null);
}
