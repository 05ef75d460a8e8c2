using Amazon.Runtime;

namespace AssumeRole.Extensions.MultiTenant;

/// <summary>
/// What <see cref="IAssumeRoleCredentialsFactory.GetCredentials"/> returns: a handle that looks its provider up on
/// each call (one dictionary read), so that eviction of an idle provider never breaks a client that holds the handle.
/// </summary>
internal sealed class TenantCredentials(TenantCredentialsFactory factory, TenantKey key) : AWSCredentials
{
    public TenantKey Key { get; } = key;

    public override DateTime? Expiration
    {
        get => factory.Lease(Key).Expiration;
        set { }
    }

    public override ImmutableCredentials GetCredentials()
    {
        try
        {
            return factory.Lease(Key).GetCredentials();
        }
        catch (ObjectDisposedException) when (!factory.IsDisposed)
        {
            // Evicted between lookup and use: the next lease re-creates it.
            return factory.Lease(Key).GetCredentials();
        }
    }

    public override async Task<ImmutableCredentials> GetCredentialsAsync()
    {
        try
        {
            return await factory.Lease(Key).GetCredentialsAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException) when (!factory.IsDisposed)
        {
            return await factory.Lease(Key).GetCredentialsAsync().ConfigureAwait(false);
        }
    }

    public override string ToString() => $"TenantCredentials {{ RoleArn = {Key.RoleArn} }}";
}
