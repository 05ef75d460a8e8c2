using System.Net;
using Amazon.Runtime;
using Amazon.SecurityToken.Model;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Testing;

namespace AssumeRole.Extensions.IntegrationTests.Emulator;

/// <summary>Fault injection, observed through the AWS SDK (retries off).</summary>
public sealed class StsEmulatorFaultTests : IAsyncLifetime
{
    private const string RoleArn = "arn:aws:iam::123456789012:role/Deploy";
    private const string OtherRoleArn = "arn:aws:iam::123456789012:role/Other";

    private EmulatorFixture _sts = null!;
    private EmulatedUser _alice = null!;

    public async ValueTask InitializeAsync()
    {
        _sts = await EmulatorFixture.StartAsync();
        _alice = _sts.Emulator.AddUser("alice");
        _sts.Emulator.AddRole(RoleArn);
        _sts.Emulator.AddRole(OtherRoleArn);
    }

    public ValueTask DisposeAsync() => _sts.DisposeAsync();

    [Fact]
    public async Task Throttling_ForNextTwoAssumeRoleCalls_ThenSucceedsAndOtherActionsUnaffected()
    {
        _sts.Emulator.Faults.Add(StsFault.Throttling(times: 2, action: "AssumeRole"));

        await _sts.ClientFor(_alice).GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken);
        for (var i = 0; i < 2; i++)
        {
            var error = await StsAssert.FailsAsync(() => AssumeAsync(RoleArn), HttpStatusCode.BadRequest, "Throttling", "Rate exceeded");
            Assert.Equal(ErrorType.Sender, error.ErrorType);
        }

        await AssumeAsync(RoleArn);
        Assert.Equal(
            [StsCallRecord.SuccessOutcome, "Throttling", "Throttling", StsCallRecord.SuccessOutcome],
            _sts.Emulator.Calls.Select(call => call.Outcome));
        Assert.Empty(_sts.Emulator.Faults.Active);
    }

    [Fact]
    public async Task InternalFailure_Returns500WithReceiverType()
    {
        _sts.Emulator.Faults.Add(StsFault.InternalFailure());

        var error = await StsAssert.FailsAsync(() => AssumeAsync(RoleArn), HttpStatusCode.InternalServerError, "InternalFailure");

        Assert.Equal(ErrorType.Receiver, error.ErrorType);
        Assert.Equal(500, _sts.Emulator.Calls.Single().StatusCode);
    }

    [Fact]
    public async Task Outage_LastsUntilRemoved_AndOnlyHitsTheFilteredRole()
    {
        var outage = _sts.Emulator.Faults.Add(StsFault.Outage(roleArn: RoleArn));

        for (var i = 0; i < 5; i++)
        {
            await StsAssert.FailsAsync(() => AssumeAsync(RoleArn), HttpStatusCode.InternalServerError, "InternalFailure");
        }

        await AssumeAsync(OtherRoleArn);
        Assert.True(_sts.Emulator.Faults.Remove(outage));
        await AssumeAsync(RoleArn);
        Assert.Equal(6, _sts.Emulator.CountCalls("AssumeRole", RoleArn));
        Assert.Equal(1, _sts.Emulator.CountCalls("assumerole", OtherRoleArn));
    }

    [Fact]
    public async Task Clear_RemovesEveryFault()
    {
        _sts.Emulator.Faults.Add(StsFault.Outage());
        _sts.Emulator.Faults.Add(StsFault.Throttling(times: null));

        _sts.Emulator.Faults.Clear();

        await AssumeAsync(RoleArn);
        Assert.Empty(_sts.Emulator.Faults.Active);
    }

    [Fact]
    public async Task CustomError_RegionDisabled_SdkMapsIt()
    {
        _sts.Emulator.Faults.Add(StsFault.Error(
            403, "RegionDisabledException", "STS is not activated in this region for account:123456789012. Your account administrator can activate STS in this region using the IAM Console."));

        var error = await StsAssert.FailsAsync(() => AssumeAsync(RoleArn), HttpStatusCode.Forbidden, "RegionDisabledException");

        Assert.IsType<RegionDisabledException>(error);
    }

    [Fact]
    public async Task Latency_OnFakeClock_CallCompletesOnlyWhenTimeAdvances()
    {
        _sts.Emulator.Faults.Add(StsFault.Latency(TimeSpan.FromSeconds(3), action: "AssumeRole"));

        var call = AssumeAsync(RoleArn);
        await _sts.Emulator.Faults.WaitForDelayedCallAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        _sts.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(call.IsCompleted);
        Assert.Equal(1, _sts.Emulator.Faults.DelayedCallCount);

        _sts.Time.Advance(TimeSpan.FromSeconds(1));
        var response = await call.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.NotNull(response.Credentials);
        Assert.Equal(0, _sts.Emulator.Faults.DelayedCallCount);
    }

    [Fact]
    public async Task ConnectionReset_ClientSeesATransportFailure()
    {
        // .NET's SocketsHttpHandler silently resends once when a pooled connection dies before any response byte,
        // so a single reset may be invisible to a .NET client: keep resetting until removed.
        var reset = _sts.Emulator.Faults.Add(StsFault.ConnectionReset(times: null));

        var error = await Assert.ThrowsAnyAsync<Exception>(() => AssumeAsync(RoleArn));

        Assert.Contains(Flatten(error), e => e is HttpRequestException or IOException);
        Assert.All(_sts.Emulator.Calls, call => Assert.Equal("ConnectionReset", call.Outcome));
        Assert.All(_sts.Emulator.Calls, call => Assert.Equal(0, call.StatusCode));
        _sts.Emulator.Faults.Remove(reset);
        await AssumeAsync(RoleArn);
    }

    [Fact]
    public async Task MalformedBody_ClientCannotParseTheResponse()
    {
        _sts.Emulator.Faults.Add(StsFault.MalformedBody());

        var error = await Assert.ThrowsAnyAsync<Exception>(() => AssumeAsync(RoleArn));

        Assert.Contains(Flatten(error), e => e is AmazonUnmarshallingException or System.Xml.XmlException);
        Assert.Equal("MalformedBody", _sts.Emulator.Calls.Single().Outcome);
    }

    [Fact]
    public async Task Probability_WithSeed_HitsSomeCallsAndRecordsEach()
    {
        _sts.Emulator.Faults.Add(StsFault.Throttling(times: null, probability: 0.5));
        var failures = 0;

        for (var i = 0; i < 20; i++)
        {
            try
            {
                await AssumeAsync(RoleArn);
            }
            catch (AmazonServiceException error) when (error.ErrorCode == "Throttling")
            {
                failures++;
            }
        }

        Assert.InRange(failures, 1, 19);
        Assert.Equal(failures, _sts.Emulator.Calls.Count(call => call.Outcome == "Throttling"));
    }

    private Task<AssumeRoleResponse> AssumeAsync(string roleArn) =>
        _sts.ClientFor(_alice).AssumeRoleAsync(
            new AssumeRoleRequest { RoleArn = roleArn, RoleSessionName = "faults" }, TestContext.Current.CancellationToken);

    private static IEnumerable<Exception> Flatten(Exception error)
    {
        for (Exception? current = error; current is not null; current = current.InnerException)
        {
            yield return current;
        }
    }
}
