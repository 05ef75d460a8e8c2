using System.Net.Sockets;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Testing;

namespace AssumeRole.Extensions.IntegrationTests.Emulator;

/// <summary>Starting, stopping and configuring the emulator.</summary>
public sealed class StsEmulatorLifecycleTests
{
    [Fact]
    public async Task StartAsync_Defaults_LoopbackEndpointUsEast1()
    {
        await using var sts = await StsEmulator.StartAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("127.0.0.1", sts.Endpoint.Host);
        Assert.Equal("/", sts.Endpoint.AbsolutePath);
        Assert.NotEqual(0, sts.Endpoint.Port);
        Assert.Equal("us-east-1", sts.Region);
        Assert.Equal("123456789012", sts.AccountId);
        Assert.Same(TimeProvider.System, sts.TimeProvider);
    }

    [Fact]
    public async Task StartAsync_FixedPort_ListensThere()
    {
        var port = FreePort.Next();

        await using var sts = await StsEmulator.StartAsync(new StsEmulatorOptions { Port = port }, TestContext.Current.CancellationToken);

        Assert.Equal(new Uri($"http://127.0.0.1:{port}/"), sts.Endpoint);
    }

    [Fact]
    public async Task DisposeAsync_StopsListening()
    {
        var sts = await StsEmulator.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var port = sts.Endpoint.Port;

        await sts.DisposeAsync();
        sts.Dispose();

        using var socket = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => socket.ConnectAsync("127.0.0.1", port, TestContext.Current.CancellationToken).AsTask());
    }

    [Theory]
    [InlineData("arn:aws:iam::123456789012:user/alice")]
    [InlineData("arn:aws:iam::12345:role/Short")]
    [InlineData("Deploy")]
    public async Task AddRole_NotARoleArn_Throws(string arn)
    {
        await using var sts = await StsEmulator.StartAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Throws<ArgumentException>(() => sts.AddRole(arn));
    }

    [Theory]
    [InlineData(3599)]
    [InlineData(43201)]
    public async Task AddRole_MaxSessionDurationOutsideIamRange_Throws(int seconds)
    {
        await using var sts = await StsEmulator.StartAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Throws<ArgumentOutOfRangeException>(() => sts.AddRole("arn:aws:iam::123456789012:role/R", role => role.MaxSessionDurationSeconds = seconds));
    }

    [Fact]
    public async Task AddRole_Again_ReplacesSettingsKeepsRoleId()
    {
        await using var sts = await StsEmulator.StartAsync(cancellationToken: TestContext.Current.CancellationToken);

        var first = sts.AddRole("arn:aws:iam::123456789012:role/path/R");
        var second = sts.AddRole("arn:aws:iam::123456789012:role/path/R", role => role.MaxSessionDurationSeconds = 7200);

        Assert.Equal(first.RoleId, second.RoleId);
        Assert.Equal(TimeSpan.FromHours(2), second.MaxSessionDuration);
        Assert.Equal("/path/", second.Path);
        Assert.Equal("R", second.RoleName);
        Assert.Equal(["arn:aws:iam::123456789012:root"], second.TrustedPrincipals);
    }

    [Fact]
    public async Task AddUser_ShapesLikeIam_ToStringHidesSecret()
    {
        await using var sts = await StsEmulator.StartAsync(cancellationToken: TestContext.Current.CancellationToken);

        var user = sts.AddUser("alice", "111122223333");

        Assert.Matches("^AKIA[A-Z2-7]{16}$", user.AccessKeyId);
        Assert.Equal(40, user.SecretAccessKey.Length);
        Assert.StartsWith("AIDA", user.UserId, StringComparison.Ordinal);
        Assert.Equal("arn:aws:iam::111122223333:user/alice", user.Arn);
        Assert.DoesNotContain(user.SecretAccessKey, user.ToString(), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => sts.AddUser("bob", "12"));
    }
}
