using AssumeRole.Extensions.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AssumeRole.Extensions.Tests.Validation;

/// <summary>Issue #13, items 3 and 4: MultiTenantOptions validated at host start; factory errors name the real parameter.</summary>
public sealed class MultiTenantValidationTests
{
    private const string Role = "arn:aws:iam::123456789012:role/Tenant";

    public static TheoryData<Action<MultiTenantOptions>, string> BadOptions => new()
    {
        { o => o.ServiceUrl = "file:///etc/passwd", "MultiTenantOptions.ServiceUrl 'file:///etc/passwd' is not an absolute http:// or https:// URL." },
        { o => o.ServiceUrl = "not a url", "MultiTenantOptions.ServiceUrl 'not a url'" },
        { o => o.RoleSessionName = "bad name", "MultiTenantOptions.RoleSessionName 'bad name': character ' ' (U+0020) at index 3 is not allowed" },
        { o => o.RoleSessionName = "sessión", "MultiTenantOptions.RoleSessionName 'sessión': character 'ó' (U+00F3)" },
        { o => o.Region = "EU-WEST-1", "MultiTenantOptions.Region 'EU-WEST-1' is not an AWS region name" },
        { o => o.SourceRole = "hub", "MultiTenantOptions.SourceRole 'hub' is not a registered role" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public async Task StartAsync_InvalidMultiTenantOptions_StopsTheHost(Action<MultiTenantOptions> breakIt, string expected)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddAssumeRoleMultiTenant(o =>
        {
            o.SourceCredentials = TestEngine.Source();
            breakIt(o);
        });
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("arn:aws:iam::12345678901\u0663:role/T", "ext-ok", null, "roleArn")]
    [InlineData(Role, "bad\r\nhidden", null, "externalId")]
    [InlineData(Role, "ext-ok", "bad\u202Ename", "roleSessionName")]
    public void GetCredentials_BadArgument_NamesThatParameter(string roleArn, string externalId, string? sessionName, string parameter)
    {
        using var sp = CreateFactory();
        var factory = sp.GetRequiredService<IAssumeRoleCredentialsFactory>();

        var ex = Assert.Throws<ArgumentException>(() => factory.GetCredentials(roleArn, externalId, sessionName));

        Assert.Equal(parameter, ex.ParamName);
        Assert.StartsWith(parameter + " ", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hidden", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.DoesNotContain('\u202E', ex.Message);
    }

    private static ServiceProvider CreateFactory()
    {
        var services = new ServiceCollection();
        services.AddAssumeRoleMultiTenant(o => o.SourceCredentials = TestEngine.Source());
        return services.BuildServiceProvider();
    }
}
