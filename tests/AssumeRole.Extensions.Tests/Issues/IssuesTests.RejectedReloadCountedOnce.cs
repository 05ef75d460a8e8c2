using AssumeRole.Extensions.DependencyInjection;
using AssumeRole.Extensions.Tests.DependencyInjection;
using AssumeRole.Extensions.Tests.Fakes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Second review of issue #13's reload fixes: event 41 re-capped an already capped failure list ("and 1 more" instead of
/// the real count); a rejected reload was also logged as event 40 and every new <see cref="IOptionsSnapshot{TOptions}"/>
/// scope logged event 41 again; the last valid settings were remembered for every options name ever asked, a user's own
/// named options included.
/// </summary>
public sealed class IssuesTestsRejectedReloadCountedOnce
{
    private readonly FakeLogCollector _logs = new();
    private readonly TestEngine _engine;

    public IssuesTestsRejectedReloadCountedOnce() =>
        _engine = new TestEngine(loggerFactory: new LoggerFactory([new FakeLoggerProvider(_logs)], new LoggerFilterOptions { MinLevel = LogLevel.Trace }));

    private static void MakeBad(IConfigurationRoot config)
    {
        config["AssumeRole:billing:RoleArn"] = "bad";
        for (var i = 0; i < 3; i++)
        {
            config[$"AssumeRole:billing:Chain:{i}:RoleArn"] = $"bad{i}";
            config[$"AssumeRole:billing:Chain:{i}:RoleSessionName"] = $"bad name {i}";
            config[$"AssumeRole:billing:Chain:{i}:ExternalId"] = $"bad ext~{i}";
            config[$"AssumeRole:billing:Chain:{i}:DurationSeconds"] = "5";
            config[$"AssumeRole:billing:Chain:{i}:Policy"] = "{nope";
        }
    }

    private ServiceProvider Build(IConfigurationRoot config, Action<IServiceCollection>? more = null)
    {
        var services = new ServiceCollection();
        services.UseEngine(_engine);
        services.AddAssumeRole("billing", config.GetSection("AssumeRole:billing"));
        more?.Invoke(services);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void Reload_ManyFailures_Event41CountsLikeTheFactory()
    {
        var config = DiTestHost.Memory(new Dictionary<string, string?> { ["AssumeRole:billing:RoleArn"] = TestEngine.RoleArn });
        using var sp = Build(config);
        _ = sp.GetRequiredKeyedService<AssumeRoleCredentials>("billing");

        MakeBad(config);
        config.Reload();

        // What a fresh container says of the same settings: the validator's own capped list.
        using var fresh = Build(config);
        var direct = Assert.Throws<OptionsValidationException>(() => fresh.GetRequiredService<IOptionsMonitor<AssumeRoleOptions>>().Get("billing"));
        var more = Assert.Single(direct.Failures, f => f.StartsWith("… and ", StringComparison.Ordinal));
        var rejected = Assert.Single(_logs.GetSnapshot(), r => r.Id.Id == 41);
        Assert.EndsWith(string.Join(" ", direct.Failures), rejected.Message, StringComparison.Ordinal);
        Assert.Contains(more, rejected.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("… and 1 more", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reload_RejectedThenSnapshotScopes_OneEvent41AndNoEvent40()
    {
        var config = DiTestHost.Memory(new Dictionary<string, string?> { ["AssumeRole:billing:RoleArn"] = TestEngine.RoleArn });
        using var sp = Build(config);
        var provider = sp.GetRequiredKeyedService<AssumeRoleCredentials>("billing");

        // A request scope builds its own (equal) settings: the last valid ones are now another instance.
        using (var scope = sp.CreateScope())
        {
            Assert.Equal(TestEngine.RoleArn, scope.ServiceProvider.GetRequiredService<IOptionsSnapshot<AssumeRoleOptions>>().Get("billing").RoleArn);
        }

        config["AssumeRole:billing:RoleArn"] = "not-an-arn";
        config.Reload();
        for (var i = 0; i < 5; i++)
        {
            using var scope = sp.CreateScope();
            Assert.Equal(TestEngine.RoleArn, scope.ServiceProvider.GetRequiredService<IOptionsSnapshot<AssumeRoleOptions>>().Get("billing").RoleArn);
        }

        Assert.Single(_logs.GetSnapshot(), r => r.Id.Id == 41);
        Assert.DoesNotContain(_logs.GetSnapshot(), r => r.Id.Id == 40);
        Assert.Equal(TestEngine.RoleArn, provider.RoleArn);

        // A valid change, then another rejected one: logged again.
        config["AssumeRole:billing:RoleArn"] = DiTestHost.OtherRoleArn;
        config.Reload();
        config["AssumeRole:billing:RoleArn"] = "not-an-arn";
        config.Reload();
        Assert.Single(_logs.GetSnapshot(), r => r.Id.Id == 40);
        Assert.Equal(2, _logs.GetSnapshot().Count(r => r.Id.Id == 41));
        Assert.Equal(DiTestHost.OtherRoleArn, provider.RoleArn);
    }

    [Fact]
    public void Snapshot_UnregisteredNames_NotRememberedAndUserNamesValidatedAsUsual()
    {
        var config = DiTestHost.Memory(new Dictionary<string, string?> { ["AssumeRole:billing:RoleArn"] = TestEngine.RoleArn });
        var mine = TestEngine.RoleArn;
        using var sp = Build(config, services => services.AddOptions<AssumeRoleOptions>("mine")
            .Configure(o => o.RoleArn = mine)
            .Validate(o => o.RoleArn?.StartsWith("arn:", StringComparison.Ordinal) == true, "mine needs an ARN"));
        _ = sp.GetRequiredKeyedService<AssumeRoleCredentials>("billing");
        for (var k = 0; k < 200; k++)
        {
            using var scope = sp.CreateScope();
            _ = scope.ServiceProvider.GetRequiredService<IOptionsSnapshot<AssumeRoleOptions>>().Get("tenant-" + k);
        }

        Assert.Equal(1, sp.GetRequiredService<AssumeRoleOptionsFactory.LastValid>().Count);

        var monitor = sp.GetRequiredService<IOptionsMonitor<AssumeRoleOptions>>();
        Assert.Equal(TestEngine.RoleArn, monitor.Get("mine").RoleArn);
        mine = "stale?";
        Assert.True(sp.GetRequiredService<IOptionsMonitorCache<AssumeRoleOptions>>().TryRemove("mine"));
        var ex = Assert.Throws<OptionsValidationException>(() => monitor.Get("mine"));
        Assert.Contains("mine needs an ARN", ex.Failures);
    }
}
