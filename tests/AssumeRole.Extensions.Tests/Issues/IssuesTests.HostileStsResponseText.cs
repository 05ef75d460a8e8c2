using System.Net;
using System.Text;
using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Sts;
using AssumeRole.Extensions.Tests.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Review of issue #13, findings 1 and 2: what the endpoint answers went out raw. An error code and a request id
/// carrying CR/LF, a bidi override and the external ID reached <see cref="AssumeRoleException.Message"/>, log events 5
/// and 16, the <c>error.type</c> metric tag and the health check; and STS text quoting a secret in an encoding the
/// redactor did not know (double percent-encoding, JSON or HTML escapes, base64, hex, a part of it) was kept.
/// </summary>
public sealed class IssuesTestsHostileStsResponseText
{
    private const string ExternalId = "Tenant/Secret=42-abcdefgh";

    public static TheoryData<string, string> EncodedEchoes => new()
    {
        { "double percent-encoding", Uri.EscapeDataString(Uri.EscapeDataString(ExternalId)) },
        { "JSON escapes", string.Concat(ExternalId.Select(c => $"\\u{(int)c:X4}")) },
        { "HTML numeric entities", string.Concat(ExternalId.Select(c => $"&#{(int)c};")) },
        { "base64", Convert.ToBase64String(Encoding.UTF8.GetBytes(ExternalId)) },
        { "base64 of a part", Convert.ToBase64String(Encoding.UTF8.GetBytes(ExternalId[1..])) },
        { "hex", Convert.ToHexString(Encoding.UTF8.GetBytes(ExternalId)).ToLowerInvariant() },
        { "75 % prefix", ExternalId[..(ExternalId.Length * 3 / 4)] },
        { "spread with dots", string.Join(".", ExternalId.Chunk(4).Select(c => new string(c))) },
    };

    [Fact]
    public async Task Fetch_HostileErrorCodeAndRequestId_FixedCodeAndNoRequestIdInMessageLogsMetricsAndHealth()
    {
        using var observed = new ObservedEngine("HostileCode");
        using var requests = observed.Collect<long>(TelemetryNames.StsRequests);
        using var refreshes = observed.Collect<long>(TelemetryNames.Refreshes);
        observed.Sts.FailNext(new StsCallException(
            "Throttling\r\n[CRIT] forged \u202E " + ExternalId,
            "Rate exceeded",
            HttpStatusCode.BadRequest,
            "req-1\r\nFORGED-REQID " + ExternalId,
            isTransient: false));
        using var provider = observed.Create(o => o.ExternalId = ExternalId);

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));
        var check = new AssumeRoleHealthCheck(provider);
        var health = await check.CheckHealthAsync(
            new HealthCheckContext { Registration = new HealthCheckRegistration("r", check, HealthStatus.Unhealthy, null) },
            TestContext.Current.CancellationToken);

        Assert.Equal(StsResponseFields.UnrecognizedErrorCode, ex.ErrorCode);
        Assert.Null(ex.RequestId);
        var logs = observed.LogsWithId(5).Concat(observed.LogsWithId(16)).ToList();
        Assert.Contains(logs, r => r.Id.Id == 5);
        Assert.Contains(logs, r => r.Id.Id == 16);
        var texts = new List<string?> { ex.Message, health.Description };
        texts.AddRange(logs.Select(r => r.Message));
        texts.AddRange(logs.SelectMany(r => r.StructuredState ?? []).Select(p => p.Value));
        texts.AddRange(logs.Select(r => r.Exception?.Message));
        texts.AddRange(health.Data.Values.Select(v => v?.ToString()));
        var tags = requests.GetMeasurementSnapshot().Concat(refreshes.GetMeasurementSnapshot()).SelectMany(m => m.Tags).ToList();
        texts.AddRange(tags.Select(t => t.Value?.ToString()));
        foreach (var text in texts.Where(t => t is not null))
        {
            Assert.DoesNotContain('\r', text!);
            Assert.DoesNotContain('\n', text!);
            Assert.DoesNotContain('\u202E', text!);
            Assert.DoesNotContain("FORGED", text!, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(ExternalId, text!, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Contains(tags, t => t.Key == TelemetryNames.ErrorTypeTag && Equals(t.Value, StsResponseFields.UnrecognizedErrorCode));
        Assert.Equal(StsResponseFields.UnrecognizedErrorCode, health.Data["lastErrorCode"]);
    }

    [Theory]
    [MemberData(nameof(EncodedEchoes))]
    public async Task Fetch_StsEchoesTheExternalIdEncoded_TextWithheld(string encoding, string echoed)
    {
        var engine = new Fakes.TestEngine();
        engine.Sts.FailNext(new StsCallException("ValidationError", $"1 validation error detected: Value '{echoed}' at 'externalId' failed", HttpStatusCode.BadRequest, "req-1", isTransient: false));
        using var provider = engine.Create(o => o.ExternalId = ExternalId);

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

        Assert.True(!ex.Message.Contains(echoed, StringComparison.OrdinalIgnoreCase), $"{encoding}: {ex.Message}");
        Assert.Contains("withheld", ex.Message, StringComparison.Ordinal);
        Assert.Null(ex.InnerException);
    }

    [Fact]
    public async Task Fetch_StsTextWithoutTheSecret_Kept()
    {
        const string Text = "User: arn:aws:sts::123456789012:assumed-role/Source/i-1 is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/Demo";
        var engine = new Fakes.TestEngine();
        engine.Sts.FailNext(new StsCallException("AccessDenied", Text, HttpStatusCode.Forbidden, "req-1", isTransient: false));
        using var provider = engine.Create(o => o.ExternalId = ExternalId);

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

        Assert.Contains(Text, ex.Message, StringComparison.Ordinal);
    }
}
