using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using AssumeRole.Extensions.Diagnostics;
using AssumeRole.Extensions.Tests.Fakes;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AssumeRole.Extensions.Tests.Diagnostics;

/// <summary>
/// Runs a broad set of scenarios with everything captured (logs at Trace, every metric tag, every span) and checks that
/// no secret key, session token or external ID shows anywhere: logs, exception messages, metric tags, span names,
/// tags and status, health results, and the ToString of every public type.
/// </summary>
public sealed partial class SecretsTests
{
    private const string ExternalIdA = "ext-ALPHA-5c1e9b7d";
    private const string ExternalIdEchoed = "ext-ECHOED-0a4f2d66";
    private const string ExternalIdChain = "ext-CHAIN-93be11aa";
    private const string ExternalIdInvalid = "ext#INVALID!77d0";

    [Fact]
    public async Task AllScenarios_EverythingCaptured_NoSecretTokenOrExternalIdAnywhere()
    {
        using var o = new ObservedEngine("Secrets");
        var texts = new List<string>();
        var secrets = new List<string> { ExternalIdA, ExternalIdEchoed, ExternalIdChain, ExternalIdInvalid, TestEngine.Source().GetCredentials().SecretKey };
        // Measurements arrive on whatever thread records them (a background refresh finishing after Dispose, say):
        // they go to their own concurrent queue, read once the listener has stopped.
        var measured = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var meters = ListenToAllTags(o.Telemetry.Meter, measured);
        var ct = TestContext.Current.CancellationToken;
        var providers = new List<AssumeRoleCredentials>();
        AssumeRoleCredentials Make(string suffix, Action<AssumeRoleOptions>? configure = null)
        {
            var p = o.Create(opt =>
            {
                opt.RoleArn = o.RoleArn + suffix;
                configure?.Invoke(opt);
            });
            providers.Add(p);
            return p;
        }

        async Task Expect<TException>(Func<Task> action)
            where TException : Exception
        {
            var ex = await Assert.ThrowsAnyAsync<TException>(action);
            texts.Add(ex.ToString());
            texts.Add(ex.Message);
        }

        // Success with every request field, then a proactive refresh and a cache hit.
        var main = Make("Main", opt =>
        {
            opt.ExternalId = ExternalIdA;
            opt.Tags = new Dictionary<string, string> { ["tenant"] = "t-1" };
            opt.Policy = """{"Version":"2012-10-17","Statement":[]}""";
        });
        await main.WarmUpAsync(ct);
        secrets.Add(main.GetCredentials().SecretKey);
        secrets.Add(main.GetCredentials().Token);
        var sameSession = Make("Main", opt =>
        {
            opt.ExternalId = ExternalIdA;
            opt.Tags = new Dictionary<string, string> { ["tenant"] = "t-1" };
            opt.Policy = """{"Version":"2012-10-17","Statement":[]}""";
        });
        await sameSession.WarmUpAsync(ct);
        await o.AdvanceAsync(TimeSpan.FromMinutes(45), main);
        secrets.Add(main.GetCredentials().Token);

        // Transient failure retried inside one attempt.
        var retried = Make("Retried", opt =>
        {
            opt.ExternalId = ExternalIdA;
            opt.MaxStsRetries = 1;
        });
        o.Sts.FailNext(FakeSts.Throttling());
        await LogTests.DriveClockAsync(o, retried.WarmUpAsync(ct));

        // Permanent refusals: AccessDenied, and a ValidationError whose message repeats the external ID.
        var denied = Make("Denied", opt => opt.ExternalId = ExternalIdA);
        o.Sts.FailNext(FakeSts.AccessDenied(denied.RoleArn));
        await Expect<AssumeRoleException>(() => denied.WarmUpAsync(ct));
        var echoed = Make("Echoed", opt => opt.ExternalId = ExternalIdEchoed);
        o.Sts.FailNext(StsErrors.ValidationEcho(ExternalIdEchoed));
        await Expect<AssumeRoleException>(() => echoed.WarmUpAsync(ct));
        texts.Add(new AssumeRoleHealthCheck(echoed).ToString());
        AddHealth(texts, await new AssumeRoleHealthCheck(echoed).CheckHealthAsync(new HealthCheckContext(), ct));

        // A request that times out.
        var slow = Make("Slow", opt =>
        {
            opt.ExternalId = ExternalIdA;
            opt.StsRequestTimeout = TimeSpan.FromSeconds(5);
        });
        o.Sts.Gate = new TaskCompletionSource();
        var timing = slow.WarmUpAsync(ct);
        Assert.True(SpinWait.SpinUntil(() => o.Sts.Calls.Any(c => c.RoleArn == slow.RoleArn), TimeSpan.FromSeconds(10)));
        o.Engine.Time.Advance(TimeSpan.FromSeconds(6));
        await Expect<AssumeRoleException>(() => timing);
        o.Sts.Gate = null;

        // A chain whose first hop has an external ID, a clamped duration and an expired source.
        var chained = Make("Chained", opt =>
        {
            opt.Chain = [new AssumeRoleHopOptions { RoleArn = o.RoleArn + "ChainFirst", ExternalId = ExternalIdChain }];
            opt.DurationSeconds = 7200;
        });
        o.Sts.FailNext(StsErrors.ExpiredToken());
        await chained.WarmUpAsync(ct);
        secrets.Add(chained.GetCredentials().Token);

        // A duration the role's MaxSessionDuration refuses.
        var capped = Make("Capped", opt =>
        {
            opt.ExternalId = ExternalIdA;
            opt.DurationSeconds = 7200;
        });
        o.Sts.FailNext(StsErrors.MaxSessionDuration());
        await capped.WarmUpAsync(ct);

        // Options that fail validation, including an invalid external ID.
        var invalid = Assert.Throws<ArgumentException>(() => Make("Invalid", opt =>
        {
            opt.ExternalId = ExternalIdInvalid;
            opt.DurationSeconds = 10;
        }));
        texts.Add(invalid.ToString());

        // An outage through the mandatory window and back, with health checks on the way.
        var check = new AssumeRoleHealthCheck(main);
        o.Sts.Always = _ => FakeSts.Internal();
        await o.AdvanceAsync(TimeSpan.FromMinutes(3), main);
        AddHealth(texts, await check.CheckHealthAsync(new HealthCheckContext(), ct));
        await o.AdvanceAsync(TimeSpan.FromMinutes(60), main, steps: 30);
        AddHealth(texts, await check.CheckHealthAsync(new HealthCheckContext(), ct));
        await Expect<AssumeRoleException>(() => main.GetCredentialsAsync(ct));
        o.Sts.Always = null;
        await o.AdvanceAsync(TimeSpan.FromMinutes(6), main, steps: 6);
        AddHealth(texts, await check.CheckHealthAsync(new HealthCheckContext(), ct));
        secrets.Add(main.GetCredentials().SecretKey);

        // Every public type's ToString, and the internals' that could be logged.
        foreach (var p in providers)
        {
            texts.Add(p.ToString());
            texts.Add(p.Session.ToString());
            texts.Add(p.Session.GetStatus().ToString());
            texts.Add(p.Session.State?.ToString() ?? string.Empty);
        }

        texts.Add(new AssumeRoleOptions { RoleArn = o.RoleArn, ExternalId = ExternalIdA }.ToString());
        texts.Add(new AssumeRoleHopOptions { RoleArn = o.RoleArn, ExternalId = ExternalIdChain }.ToString());
        texts.Add(check.ToString());

        // Idle eviction of everything.
        providers.ForEach(p => p.Dispose());
        o.Engine.Time.Advance(TimeSpan.FromMinutes(16));
        meters.RecordObservableInstruments();

        meters.Dispose();
        texts.AddRange(measured);
        AddLogs(o, texts);
        AddActivities(o, texts);
        Assert.True(o.Logs.Count > 50, "The scenarios should have produced plenty of logs.");
        Assert.True(o.Activities.Count > 10, "The scenarios should have produced plenty of spans.");
        Assert.All(secrets, s => Assert.False(string.IsNullOrEmpty(s)));
        foreach (var text in texts)
        {
            foreach (var secret in secrets)
            {
                Assert.False(text.Contains(secret, StringComparison.Ordinal), $"A secret leaked into: {text}");
            }

            Assert.False(IssuedSecret().IsMatch(text), $"An issued secret key or session token leaked into: {text}");
        }
    }

    // FakeSts issues "secret-N-GUID" keys and "token-N-GUID" tokens: this catches every one, not only those seen.
    [GeneratedRegex(@"(secret|token)-\d+-[0-9a-f]{32}")]
    private static partial Regex IssuedSecret();

    private static MeterListener ListenToAllTags(Meter meter, System.Collections.Concurrent.ConcurrentQueue<string> texts)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, meter))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Record(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var tag in tags)
            {
                texts.Enqueue($"{tag.Key}={tag.Value}");
            }
        }

        listener.SetMeasurementEventCallback<long>((_, _, tags, _) => Record(tags));
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) => Record(tags));
        listener.Start();
        return listener;
    }

    private static void AddHealth(List<string> texts, HealthCheckResult result)
    {
        texts.Add(result.Description ?? string.Empty);
        texts.AddRange(result.Data.Select(d => $"{d.Key}={d.Value}"));
    }

    private static void AddLogs(ObservedEngine o, List<string> texts)
    {
        foreach (var record in o.Logs.GetSnapshot())
        {
            texts.Add(record.Message);
            texts.Add(record.Exception?.ToString() ?? string.Empty);
            texts.AddRange((record.StructuredState ?? []).Select(kv => $"{kv.Key}={kv.Value}"));
            texts.AddRange(record.Scopes.Select(s => s?.ToString() ?? string.Empty));
        }
    }

    private static void AddActivities(ObservedEngine o, List<string> texts)
    {
        foreach (var activity in o.AllActivities)
        {
            texts.Add(activity.OperationName);
            texts.Add(activity.DisplayName);
            texts.Add(activity.StatusDescription ?? string.Empty);
            texts.AddRange(activity.TagObjects.Select(t => $"{t.Key}={t.Value}"));
            texts.AddRange(activity.Baggage.Select(b => $"{b.Key}={b.Value}"));
            foreach (var e in activity.Events)
            {
                texts.Add(e.Name);
                texts.AddRange(e.Tags.Select(t => $"{t.Key}={t.Value}"));
            }
        }
    }
}
