using System.Net;
using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Sts;
using AssumeRole.Extensions.Tests.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Second review of issue #13: the error code, request id and session ARN an endpoint answers were checked for STS's
/// shapes only, so a secret of the request in those shapes (an external ID of letters and digits as the error code, the
/// MFA code or external ID as the request id) reached messages, log events 1, 5 and 16, the <c>error.type</c> and
/// <c>aws.request_id</c> tags and the health check; and <c>error.type</c> took any shaped code (unbounded cardinality).
/// </summary>
public sealed class IssuesTestsStsIdentifiersQuotingSecrets
{
    private const string ExternalId = "Acme2024Prod";

    [Fact]
    public async Task Fetch_ErrorCodeAndRequestIdAreTheExternalId_FixedCodeAndNoRequestIdAnywhere()
    {
        using var observed = new ObservedEngine("SecretCode");
        using var requests = observed.Collect<long>(TelemetryNames.StsRequests);
        using var refreshes = observed.Collect<long>(TelemetryNames.Refreshes);
        observed.Sts.FailNext(new StsCallException(ExternalId, "Rate exceeded", HttpStatusCode.BadRequest, "req-" + ExternalId, isTransient: false));
        using var provider = observed.Create(o => o.ExternalId = ExternalId);

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));
        var check = new AssumeRoleHealthCheck(provider);
        var health = await check.CheckHealthAsync(
            new HealthCheckContext { Registration = new HealthCheckRegistration("r", check, HealthStatus.Unhealthy, null) },
            TestContext.Current.CancellationToken);

        Assert.Equal(StsResponseFields.UnrecognizedErrorCode, ex.ErrorCode);
        Assert.Null(ex.RequestId);
        var logs = observed.LogsWithId(5).Concat(observed.LogsWithId(16)).ToList();
        Assert.Contains(logs, r => r.Id.Id == 16);
        var texts = new List<string?> { ex.Message, health.Description };
        texts.AddRange(logs.Select(r => r.Message));
        texts.AddRange(logs.SelectMany(r => r.StructuredState ?? []).Select(p => p.Value));
        texts.AddRange(health.Data.Values.Select(v => v?.ToString()));
        texts.AddRange(requests.GetMeasurementSnapshot().Concat(refreshes.GetMeasurementSnapshot()).SelectMany(m => m.Tags).Select(t => t.Value?.ToString()));
        texts.AddRange(observed.AllActivities.SelectMany(a => a.TagObjects).Select(t => t.Value?.ToString()));
        foreach (var text in texts.Where(t => t is not null))
        {
            Assert.DoesNotContain(ExternalId, text!, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Fetch_UnknownErrorCode_MetricTagAndHealthBounded()
    {
        using var observed = new ObservedEngine("NewCode");
        using var requests = observed.Collect<long>(TelemetryNames.StsRequests);
        observed.Sts.FailNext(new StsCallException("SomethingNew42", "no", HttpStatusCode.BadRequest, "req-1", isTransient: false));
        using var provider = observed.Create();

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));
        var check = new AssumeRoleHealthCheck(provider);
        var health = await check.CheckHealthAsync(
            new HealthCheckContext { Registration = new HealthCheckRegistration("r", check, HealthStatus.Unhealthy, null) },
            TestContext.Current.CancellationToken);

        // The exception names what the endpoint said; the metric tag and the health data stay within a fixed set.
        Assert.Equal("SomethingNew42", ex.ErrorCode);
        var tags = requests.GetMeasurementSnapshot().SelectMany(m => m.Tags).Where(t => t.Key == TelemetryNames.ErrorTypeTag).ToList();
        Assert.NotEmpty(tags);
        Assert.All(tags, t => Assert.Equal(StsResponseFields.UnrecognizedErrorCode, t.Value));
        Assert.Equal(StsResponseFields.UnrecognizedErrorCode, health.Data["lastErrorCode"]);
    }

    [Fact]
    public async Task Fetch_AnswerRequestIdAndSessionArnQuoteTheExternalId_Dropped()
    {
        using var observed = new ObservedEngine("SecretAnswer");
        observed.Sts.AnswerRequestId = ExternalId;
        observed.Sts.AnswerAssumedRoleArn = "arn:aws:sts::123456789012:assumed-role/SecretAnswer/" + ExternalId;
        using var provider = observed.Create(o => o.ExternalId = ExternalId);

        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.Null(provider.AssumedRoleArn);
        var texts = observed.Logs.GetSnapshot().Select(r => r.Message)
            .Concat(observed.Logs.GetSnapshot().SelectMany(r => r.StructuredState ?? []).Select(p => p.Value))
            .Concat(observed.AllActivities.SelectMany(a => a.TagObjects).Select(t => t.Value?.ToString()));
        Assert.Contains(observed.Logs.GetSnapshot(), r => r.Id.Id == 1);
        Assert.All(texts.Where(t => t is not null), t => Assert.DoesNotContain(ExternalId, t!, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Fetch_SessionArnWithTheRoleNameLikeTheExternalId_Kept()
    {
        using var observed = new ObservedEngine("acme-prod-reader");
        using var provider = observed.Create(o => o.ExternalId = "acme-prod-2024");

        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        Assert.NotNull(provider.AssumedRoleArn);
        Assert.Contains("acme-prod-reader", provider.AssumedRoleArn, StringComparison.Ordinal);
    }
}
