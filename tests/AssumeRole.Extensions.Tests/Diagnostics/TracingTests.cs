using System.Diagnostics;
using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Tests.Fakes;

namespace AssumeRole.Extensions.Tests.Diagnostics;

public sealed class TracingTests
{
    [Fact]
    public async Task WarmUp_Success_RefreshSpanWithChildStsClientSpanTaggedWithRoleHopOutcomeAndRequestId()
    {
        using var o = new ObservedEngine("TraceOk");
        using var provider = o.Create();

        await provider.WarmUpAsync(TestContext.Current.CancellationToken);

        var refresh = o.WaitForActivity(a => a.OperationName == TelemetryNames.RefreshActivity);
        var sts = o.WaitForActivity(a => a.OperationName == "STS.AssumeRole");
        Assert.Equal(ActivityKind.Internal, refresh.Kind);
        Assert.Equal(o.RoleArn, refresh.GetTagItem(TelemetryNames.RoleArnTag));
        Assert.Equal(1, refresh.GetTagItem(TelemetryNames.HopTag));
        Assert.Equal("cold", refresh.GetTagItem(TelemetryNames.TriggerTag));
        Assert.Equal("success", refresh.GetTagItem(TelemetryNames.OutcomeTag));
        Assert.Equal("req-1", refresh.GetTagItem(TelemetryNames.RequestIdTag));
        Assert.Equal(ActivityStatusCode.Ok, refresh.Status);

        Assert.Equal(ActivityKind.Client, sts.Kind);
        Assert.Equal(refresh.SpanId, sts.ParentSpanId);
        Assert.Equal(o.RoleArn, sts.GetTagItem(TelemetryNames.RoleArnTag));
        Assert.Equal(1, sts.GetTagItem(TelemetryNames.HopTag));
        Assert.Equal("test-session", sts.GetTagItem(TelemetryNames.SessionNameTag));
        Assert.Equal("AssumeRole", sts.GetTagItem(TelemetryNames.RpcMethodTag));
        Assert.Equal("success", sts.GetTagItem(TelemetryNames.OutcomeTag));
        Assert.Equal("req-1", sts.GetTagItem(TelemetryNames.RequestIdTag));
        Assert.Equal(ActivityStatusCode.Ok, sts.Status);
    }

    [Fact]
    public async Task WarmUp_AccessDenied_SpansHaveErrorStatusWithTheCodeOnly()
    {
        using var o = new ObservedEngine("TraceDenied");
        using var provider = o.Create();
        var denied = FakeSts.AccessDenied(o.RoleArn);
        o.Sts.FailNext(denied);

        await Assert.ThrowsAsync<AssumeRoleException>(() => provider.WarmUpAsync(TestContext.Current.CancellationToken));

        var refresh = o.WaitForActivity(a => a.OperationName == TelemetryNames.RefreshActivity);
        var sts = o.WaitForActivity(a => a.OperationName == "STS.AssumeRole");
        Assert.Equal(ActivityStatusCode.Error, sts.Status);
        Assert.Equal("AccessDenied", sts.StatusDescription);
        Assert.Equal("AccessDenied", sts.GetTagItem(TelemetryNames.ErrorTypeTag));
        Assert.Equal(denied.RequestId, sts.GetTagItem(TelemetryNames.RequestIdTag));
        Assert.Equal("failure", sts.GetTagItem(TelemetryNames.OutcomeTag));
        Assert.Equal(ActivityStatusCode.Error, refresh.Status);
        Assert.Equal("AccessDenied", refresh.StatusDescription);
        Assert.Equal(denied.RequestId, refresh.GetTagItem(TelemetryNames.RequestIdTag));
    }

    [Fact]
    public async Task Refresh_StartedInsideACallersSpan_IsARootSpanLinkedToTheCaller()
    {
        using var o = new ObservedEngine("TraceLink");
        using var provider = o.Create();
        using var caller = new Activity("caller").Start();

        await provider.WarmUpAsync(TestContext.Current.CancellationToken);

        Assert.Same(caller, Activity.Current);
        var refresh = o.WaitForActivity(a => a.OperationName == TelemetryNames.RefreshActivity);
        Assert.Equal(default, refresh.ParentSpanId);
        Assert.NotEqual(caller.TraceId, refresh.TraceId);
        var link = Assert.Single(refresh.Links);
        Assert.Equal(caller.Context.SpanId, link.Context.SpanId);
    }

    [Fact]
    public async Task Chain_SourceExpired_SpansNameEachHop()
    {
        using var o = new ObservedEngine("TraceChain");
        using var provider = o.Create(opt => opt.Chain = [new AssumeRoleHopOptions { RoleArn = o.RoleArn + "First" }]);
        o.Sts.FailNext(StsErrors.ExpiredToken());

        await provider.WarmUpAsync(TestContext.Current.CancellationToken);

        var firstHop = o.WaitForActivity(a => a.OperationName == TelemetryNames.RefreshActivity && (string?)a.GetTagItem(TelemetryNames.RoleArnTag) == o.RoleArn + "First");
        var secondHop = o.WaitForActivity(a => a.OperationName == TelemetryNames.RefreshActivity && (string?)a.GetTagItem(TelemetryNames.RoleArnTag) == o.RoleArn);
        Assert.Equal(1, firstHop.GetTagItem(TelemetryNames.HopTag));
        Assert.Equal("forced", firstHop.GetTagItem(TelemetryNames.TriggerTag));
        Assert.Equal(2, secondHop.GetTagItem(TelemetryNames.HopTag));
        var stsOfSecond = o.Activities.Where(a => a.OperationName == "STS.AssumeRole" && a.ParentSpanId == secondHop.SpanId).ToList();
        Assert.Equal(2, stsOfSecond.Count);
        Assert.All(stsOfSecond, a => Assert.Equal(2, a.GetTagItem(TelemetryNames.HopTag)));
        Assert.Contains(stsOfSecond, a => (string?)a.GetTagItem(TelemetryNames.ErrorTypeTag) == "ExpiredToken");
    }
}
