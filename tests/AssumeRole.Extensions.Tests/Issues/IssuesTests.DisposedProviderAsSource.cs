using AssumeRole.Extensions.Caching;
using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Sts;
using AssumeRole.Extensions.Tests.Fakes;
using Amazon.Runtime;
using Amazon.SecurityToken.Model;
using Microsoft.Extensions.Logging.Abstractions;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// An <see cref="AssumeRoleCredentials"/> used as the source of another provider was captured as the SDK client's
/// credentials by the dependent session, which outlives it (sessions are shared and cached; the production gateway
/// cache even keeps it for the life of the process). Once that source provider was disposed, every later provider
/// of the same role from an equivalent, live source shared the broken session, and its refreshes failed with
/// <see cref="ObjectDisposedException"/>.
/// </summary>
public sealed class IssuesTestsDisposedProviderAsSource
{
    private const string TargetArn = "arn:aws:iam::123456789012:role/Target";

    private readonly TestEngine _engine = new();
    private readonly AssumeRoleContext _context;

    public IssuesTestsDisposedProviderAsSource()
    {
        // Like the SDK client: every request asks the source credentials for keys before it is signed.
        _context = new AssumeRoleContext(
            _engine.Time,
            NullLoggerFactory.Instance,
            _engine.Cache,
            (source, _, _) => (new SigningSts(source, _engine.Sts), false),
            _engine.Caps,
            () => 0);
    }

    private AssumeRoleCredentials Base() => new(
        new AssumeRoleOptions { RoleArn = TestEngine.RoleArn, RoleSessionName = "base", SourceCredentials = TestEngine.Source(), MaxStsRetries = 0 },
        _context);

    private AssumeRoleCredentials Target(AWSCredentials source) => new(
        new AssumeRoleOptions { RoleArn = TargetArn, RoleSessionName = "target", SourceCredentials = source, MaxStsRetries = 0 },
        _context);

    [Fact]
    public async Task Refresh_SourceProviderDisposedAndReplacedByEquivalentOne_StillSucceeds()
    {
        var firstBase = Base();
        var firstTarget = Target(firstBase);
        await firstTarget.GetCredentialsAsync(TestContext.Current.CancellationToken);
        firstTarget.Dispose();
        firstBase.Dispose();

        using var secondBase = Base();
        using var secondTarget = Target(secondBase);
        _engine.Time.Advance(TimeSpan.FromMinutes(61));

        var credentials = await secondTarget.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.NotNull(credentials.Token);
        Assert.Equal(TargetArn, _engine.Sts.Calls[^1].RoleArn);
    }

    private sealed class SigningSts(AWSCredentials source, FakeSts inner) : IStsGateway
    {
        public async Task<StsCredentials> AssumeRoleAsync(AssumeRoleRequest request, CancellationToken cancellationToken)
        {
            _ = await source.GetCredentialsAsync();
            return await inner.AssumeRoleAsync(request, cancellationToken);
        }

        public Task<StsCredentials> AssumeRoleWithWebIdentityAsync(AssumeRoleWithWebIdentityRequest request, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<StsCredentials> GetSessionTokenAsync(GetSessionTokenRequest request, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<string> GetCallerArnAsync(CancellationToken cancellationToken) => inner.GetCallerArnAsync(cancellationToken);

        public void Dispose()
        {
        }
    }
}
