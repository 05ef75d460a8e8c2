using System.Net;
using AssumeRole.Extensions.Sts;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// <see cref="SdkStsGateway.Classify"/> turned a source hop's own <see cref="AssumeRoleException"/> (which the SDK
/// rethrows while it resolves a chained hop's credentials) into a permanent "ClientError" of the next hop, losing the
/// failing hop, its STS code, its request id and its transience.
/// </summary>
public sealed class IssuesTestsChainSourceFailureReclassified
{
    [Fact]
    public void Classify_SourceHopsAssumeRoleException_IsLeftAsItIs()
    {
        var sourceFailure = new AssumeRoleException("arn:aws:iam::123456789012:role/A", 1, 2, "Throttling", "req-a", HttpStatusCode.BadRequest, isTransient: true, "Rate exceeded", null);

        Assert.Null(SdkStsGateway.Classify(sourceFailure));
    }
}
