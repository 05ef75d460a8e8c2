using System.Reflection;
using System.Text;
using AssumeRole.Extensions.Refresh;
using AssumeRole.Extensions.Tests.Fakes;
using Amazon.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AssumeRole.Extensions.Tests.DependencyInjection;

/// <summary>
/// Builds hosts and containers whose AssumeRole engine runs on the fake clock and the in-memory STS of a
/// <see cref="TestEngine"/>. Every role gets static source credentials, so the SDK's default chain is never consulted.
/// </summary>
internal static class DiTestHost
{
    public const string OtherRoleArn = "arn:aws:iam::210987654321:role/Other";

    public static void UseEngine(this IServiceCollection services, TestEngine engine)
    {
        services.AddSingleton<AssumeRoleContext>(engine.Context);
        services.AddSingleton<TimeProvider>(engine.Time);
        services.PostConfigureAll<AssumeRoleOptions>(o => o.SourceCredentials ??= TestEngine.Source());
    }

    public static IConfigurationRoot Json(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();

    public static IConfigurationRoot Memory(IDictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    public static IHost BuildHost(TestEngine engine, Action<IServiceCollection, IConfiguration> configure, IConfiguration? configuration = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        if (configuration is not null)
        {
            builder.Configuration.AddConfiguration(configuration);
        }

        builder.Services.UseEngine(engine);
        configure(builder.Services, builder.Configuration);
        return builder.Build();
    }

    /// <summary>The credentials an SDK client was built with (the SDK keeps them in a protected internal property).</summary>
    public static AWSCredentials? CredentialsOf(object client) =>
        (AWSCredentials?)typeof(AmazonServiceClient)
            .GetProperty("ExplicitAWSCredentials", BindingFlags.Instance | BindingFlags.NonPublic)!
            .GetValue(client);
}
