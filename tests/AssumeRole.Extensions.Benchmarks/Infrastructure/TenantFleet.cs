using System.Globalization;
using Amazon.Runtime;
using Amazon.SecurityToken.Model;
using AssumeRole.Extensions.Caching;
using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Sts;
using Microsoft.Extensions.Logging.Abstractions;

namespace AssumeRole.Extensions.Benchmarks.Infrastructure;

/// <summary>
/// N tenant roles, each with a live provider and a cached session, in a session cache of their own. STS is an
/// in-memory stand-in that issues credentials shaped like the emulator's (same string lengths, distinct instances),
/// because the in-process emulator keeps every session it issues and would otherwise be counted as our memory.
/// </summary>
internal sealed class TenantFleet : IDisposable
{
    private readonly AssumeRoleContext _context;
    private readonly List<AssumeRoleCredentials> _providers;

    private TenantFleet(AssumeRoleContext context, SessionCache cache, AssumeRoleOptions[] options, List<AssumeRoleCredentials> providers)
    {
        _context = context;
        Cache = cache;
        Options = options;
        _providers = providers;
    }

    public SessionCache Cache { get; }

    public IReadOnlyList<AssumeRoleOptions> Options { get; }

    public IReadOnlyList<AssumeRoleCredentials> Providers => _providers;

    /// <summary>The tenants' options, as a multi-tenant app holds them in its configuration.</summary>
    public static AssumeRoleOptions[] TenantOptions(int tenants)
    {
        var source = new BasicAWSCredentials("AKIATENANTFLEETSRC01", "tenant-fleet-source-secret");
        return Enumerable.Range(0, tenants).Select(i => new AssumeRoleOptions
        {
            RoleArn = string.Create(CultureInfo.InvariantCulture, $"arn:aws:iam::{StsBench.AccountId}:role/tenants/tenant-{i:D5}"),
            RoleSessionName = "tenant-app",
            SourceCredentials = source,
            ExternalId = string.Create(CultureInfo.InvariantCulture, $"external-id-{i:D5}"),
            Region = StsBench.Region,
        }).ToArray();
    }

    /// <summary>Creates a provider per tenant and fetches every tenant's credentials once.</summary>
    public static TenantFleet Create(AssumeRoleOptions[] options, CredentialShape shape)
    {
        var cache = new SessionCache(TimeProvider.System) { MaxSessions = Math.Max(options.Length, AssumeRoleDefaults.MaxCachedSessions) };
        var sts = new CannedSts(shape);
        var context = new AssumeRoleContext(TimeProvider.System, NullLoggerFactory.Instance, cache, (_, _, _) => (sts, false), new DurationCaps());
        var providers = new List<AssumeRoleCredentials>(options.Length);
        foreach (var tenant in options)
        {
            var provider = new AssumeRoleCredentials(tenant, context);
            provider.GetCredentials();
            providers.Add(provider);
        }

        return new TenantFleet(context, cache, options, providers);
    }

    /// <summary>The lookup a multi-tenant app does per request: a provider for the tenant, whose session is cached.</summary>
    public ImmutableCredentials LookUp(int tenant)
    {
        using var provider = new AssumeRoleCredentials(Options[tenant], _context);
        return provider.GetCredentials();
    }

    public void Dispose()
    {
        foreach (var provider in _providers)
        {
            provider.Dispose();
        }

        Cache.Dispose();
    }

    /// <summary>String lengths of the credentials STS issues.</summary>
    public sealed record CredentialShape(int AccessKeyLength, int SecretKeyLength, int TokenLength)
    {
        public static CredentialShape Of(ImmutableCredentials c) => new(c.AccessKey.Length, c.SecretKey.Length, c.Token.Length);

        /// <summary>Bytes of the three strings on a 64-bit runtime (object header, length, UTF-16 chars, padding).</summary>
        public long StringBytes => Size(AccessKeyLength) + Size(SecretKeyLength) + Size(TokenLength);

        private static long Size(int chars) => (22 + (2L * chars) + 7) / 8 * 8;
    }

    private sealed class CannedSts(CredentialShape shape) : IStsGateway
    {
        private int _issued;

        public Task<StsCredentials> AssumeRoleAsync(AssumeRoleRequest request, CancellationToken cancellationToken)
        {
            var n = Interlocked.Increment(ref _issued);
            var now = DateTimeOffset.UtcNow;
            var credentials = new ImmutableCredentials(Fill("ASIA", n, shape.AccessKeyLength), Fill("s", n, shape.SecretKeyLength), Fill("t", n, shape.TokenLength));
            var roleName = request.RoleArn[(request.RoleArn.LastIndexOf('/') + 1)..];
            return Task.FromResult(new StsCredentials(
                credentials,
                now.UtcDateTime.AddHours(1),
                now,
                $"arn:aws:sts::{StsBench.AccountId}:assumed-role/{roleName}/{request.RoleSessionName}",
                Guid.NewGuid().ToString()));
        }

        public Task<StsCredentials> AssumeRoleWithWebIdentityAsync(AssumeRoleWithWebIdentityRequest request, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<StsCredentials> GetSessionTokenAsync(GetSessionTokenRequest request, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<string> GetCallerArnAsync(CancellationToken cancellationToken) =>
            Task.FromResult($"arn:aws:iam::{StsBench.AccountId}:user/bench");

        public void Dispose()
        {
        }

        private static string Fill(string prefix, int n, int length) =>
            (prefix + n.ToString("D8", CultureInfo.InvariantCulture)).PadRight(length, 'X')[..length];
    }
}
