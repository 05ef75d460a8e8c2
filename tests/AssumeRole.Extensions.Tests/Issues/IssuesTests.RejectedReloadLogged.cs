using AssumeRole.Extensions.Tests.DependencyInjection;
using AssumeRole.Extensions.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Review of issue #13, finding 8: an invalid configuration reload was dropped silently. The options monitor validates
/// before notifying, so the exception was thrown inside its change callback (an unobserved task exception with a file
/// provider, an exception out of <c>Reload()</c> in memory), log event 41 never fired, and every later
/// <c>IOptionsMonitor.Get(name)</c> threw.
/// </summary>
public sealed class IssuesTestsRejectedReloadLogged
{
    private readonly FakeLogCollector _logs = new();
    private readonly TestEngine _engine;

    public IssuesTestsRejectedReloadLogged() =>
        _engine = new TestEngine(loggerFactory: new LoggerFactory([new FakeLoggerProvider(_logs)], new LoggerFilterOptions { MinLevel = LogLevel.Trace }));

    [Fact]
    public async Task Reload_InvalidRoleArn_Event41NamingRoleAndRuleAndThePreviousSettingsStay()
    {
        var config = DiTestHost.Memory(new Dictionary<string, string?> { ["AssumeRole:billing:RoleArn"] = TestEngine.RoleArn });
        var services = new ServiceCollection();
        services.UseEngine(_engine);
        services.AddAssumeRole("billing", config.GetSection("AssumeRole:billing"));
        using var sp = services.BuildServiceProvider();
        var provider = sp.GetRequiredKeyedService<AssumeRoleCredentials>("billing");
        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        config["AssumeRole:billing:RoleArn"] = "not-an-arn\r\nforged";
        config.Reload();

        var rejected = Assert.Single(_logs.GetSnapshot(), r => r.Id.Id == 41);
        Assert.Contains("role 'billing'", rejected.Message, StringComparison.Ordinal);
        Assert.Contains(@"RoleArn 'not-an-arn\u000D\u000Aforged'", rejected.Message, StringComparison.Ordinal);
        Assert.Equal(TestEngine.RoleArn, sp.GetRequiredService<IOptionsMonitor<AssumeRoleOptions>>().Get("billing").RoleArn);
        Assert.Equal(TestEngine.RoleArn, provider.RoleArn);
        Assert.DoesNotContain(_logs.GetSnapshot(), r => r.Id.Id == 40);

        // A valid reload afterwards is applied as usual.
        config["AssumeRole:billing:RoleArn"] = DiTestHost.OtherRoleArn;
        config.Reload();

        Assert.Equal(DiTestHost.OtherRoleArn, provider.RoleArn);
        Assert.Single(_logs.GetSnapshot(), r => r.Id.Id == 40);
    }

    [Fact]
    public void Start_InvalidRoleArn_StillThrows()
    {
        var config = DiTestHost.Memory(new Dictionary<string, string?> { ["AssumeRole:RoleArn"] = "not-an-arn" });
        var services = new ServiceCollection();
        services.UseEngine(_engine);
        services.AddAssumeRole(config.GetSection("AssumeRole"));
        using var sp = services.BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<AssumeRoleCredentials>());
    }
}
