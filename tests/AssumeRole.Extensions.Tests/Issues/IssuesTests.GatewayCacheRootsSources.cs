using System.Runtime.CompilerServices;
using AssumeRole.Extensions.Caching;
using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Sts;
using Amazon.Runtime;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// The process-wide STS client cache of <see cref="AssumeRoleContext"/> was a static dictionary that kept every client
/// (and through it the source credentials object, with its keys) for the life of the process, even after every
/// session using it was evicted: a service that builds source credentials per tenant or per scope leaked one SDK
/// client and one credentials object each time.
/// </summary>
public sealed class IssuesTestsGatewayCacheRootsSources
{
    [Fact]
    public void SharedGateway_SourceNoLongerReferenced_IsCollected()
    {
        var context = AssumeRoleContext.For(TimeProvider.System);

        var source = UseOnce(context);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(source.TryGetTarget(out _));
    }

    /// <summary>Makes a client for a fresh refreshing source, as a session would, then forgets both.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference<AWSCredentials> UseOnce(AssumeRoleContext context)
    {
        AWSCredentials source = new TenantCredentials();
        var (gateway, owned) = context.GatewayFactory(source, SourcePrincipal.KeyOf(source), new StsEndpoint("eu-west-1", null));
        Assert.False(owned);
        Assert.NotNull(gateway);
        return new WeakReference<AWSCredentials>(source);
    }

    private sealed class TenantCredentials : AWSCredentials
    {
        public override ImmutableCredentials GetCredentials() => new("AKIATENANT0000000001", "tenant-secret", null);
    }
}
