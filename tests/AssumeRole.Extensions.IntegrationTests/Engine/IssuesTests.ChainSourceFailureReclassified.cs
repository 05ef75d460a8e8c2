using Amazon.Runtime;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Testing;
using Microsoft.Extensions.Time.Testing;

namespace AssumeRole.Extensions.IntegrationTests.Engine;

/// <summary>
/// Through the real SDK client: when the first hop of a chain is denied, the caller learns which hop failed and with
/// what STS code (the SDK rethrows the source session's exception while resolving the next hop's credentials).
/// </summary>
public sealed class IssuesTestsChainSourceFailureReclassified : IAsyncLifetime
{
    private const string FirstArn = "arn:aws:iam::123456789012:role/First";
    private const string SecondArn = "arn:aws:iam::123456789012:role/Second";

    private EmulatorFixture _sts = null!;
    private EmulatedUser _alice = null!;

    public async ValueTask InitializeAsync()
    {
        _sts = await EmulatorFixture.StartAsync();
        _alice = _sts.Emulator.AddUser("alice");
    }

    public ValueTask DisposeAsync() => _sts.DisposeAsync();

    private AssumeRoleOptions Options(string roleArn, Action<AssumeRoleOptions>? configure = null)
    {
        var options = new AssumeRoleOptions
        {
            RoleArn = roleArn,
            RoleSessionName = "it-session",
            SourceCredentials = new BasicAWSCredentials(_alice.AccessKeyId, _alice.SecretAccessKey),
            ServiceUrl = _sts.Emulator.Endpoint.ToString(),
            Region = "us-east-1",
        };
        configure?.Invoke(options);
        return options;
    }

    [Fact]
    public async Task Chain_FirstHopDenied_ExceptionNamesTheFirstHopAndItsStsCode()
    {
        var bob = _sts.Emulator.AddUser("bob");
        _sts.Emulator.AddRole(FirstArn, r => r.TrustPrincipal(bob.Arn));
        _sts.Emulator.AddRole(SecondArn, r => r.TrustPrincipal(FirstArn));
        using var provider = new AssumeRoleCredentials(
            Options(SecondArn, o => o.Chain = [new AssumeRoleHopOptions { RoleArn = FirstArn, RoleSessionName = "hop-1" }]),
            new FakeTimeProvider(_sts.Time.GetUtcNow()),
            null);

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

        Assert.Equal(FirstArn, ex.RoleArn);
        Assert.Equal(1, ex.Hop);
        Assert.Equal("AccessDenied", ex.ErrorCode);
        Assert.False(ex.IsTransient);
    }
}
