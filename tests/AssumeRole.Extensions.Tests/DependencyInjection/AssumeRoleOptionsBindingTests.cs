using AssumeRole.Extensions.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AssumeRole.Extensions.Tests.DependencyInjection;

public sealed class AssumeRoleOptionsBindingTests
{
    /// <summary>Every key of the documented schema (README.md, "Configuration schema"), with a value different from its default.</summary>
    private const string FullJson = """
        {
          "AssumeRole": {
            "Roles": {
              "billing": {
                "RoleArn": "arn:aws:iam::123456789012:role/Billing",
                "RoleSessionName": "billing-svc",
                "ExternalId": "ext-billing-42",
                "DurationSeconds": 1800,
                "Policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}",
                "PolicyArns": [ "arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::123456789012:policy/Extra" ],
                "Tags": { "Team": "payments", "CostCenter": "42" },
                "TransitiveTagKeys": [ "Team" ],
                "SourceIdentity": "alice",
                "MfaSerialNumber": "arn:aws:iam::123456789012:mfa/alice",
                "Region": "eu-west-1",
                "ServiceUrl": "https://sts.eu-west-1.amazonaws.com",
                "SourceIsRoleSession": false,
                "AdvisoryRefreshWindow": "00:10:00",
                "MandatoryRefreshWindow": "00:02:00",
                "StrictChainDurations": true,
                "StsRequestTimeout": "00:00:05",
                "MfaTokenCodeTimeout": "00:02:30",
                "MaxStsRetries": 4,
                "FileCacheDirectory": "/tmp/assume-role-binding-test",
                "Chain": [
                  {
                    "RoleArn": "arn:aws:iam::111111111111:role/Hub",
                    "RoleSessionName": "hub-session",
                    "ExternalId": "ext-hub-1",
                    "DurationSeconds": 3600,
                    "Policy": "{\"Version\":\"2012-10-17\",\"Statement\":[]}",
                    "PolicyArns": [ "arn:aws:iam::aws:policy/PowerUserAccess" ],
                    "Tags": { "Stage": "hub" },
                    "TransitiveTagKeys": [ "Stage" ],
                    "SourceIdentity": "alice",
                    "MfaSerialNumber": "arn:aws:iam::123456789012:mfa/hub",
                    "Region": "us-west-2",
                    "ServiceUrl": "https://sts.us-west-2.amazonaws.com"
                  },
                  { "RoleArn": "arn:aws:iam::222222222222:role/Middle" }
                ]
              }
            }
          }
        }
        """;

    [Fact]
    public void AddAssumeRole_ConfigurationSection_BindsEveryOption()
    {
        var engine = new TestEngine();
        var config = DiTestHost.Json(FullJson);
        var services = new ServiceCollection();
        services.UseEngine(engine);
        static ValueTask<string> Code(CancellationToken _) => ValueTask.FromResult("123456");
        services.AddAssumeRole("billing", config.GetSection("AssumeRole:Roles:billing"))
            .Configure((o, _) =>
            {
                o.TokenCodeProvider = Code;
                o.Chain[0].TokenCodeProvider = Code;
            });
        using var sp = services.BuildServiceProvider();

        var o = sp.GetRequiredService<IOptionsMonitor<AssumeRoleOptions>>().Get("billing");

        Assert.Equal("arn:aws:iam::123456789012:role/Billing", o.RoleArn);
        Assert.Equal("billing-svc", o.RoleSessionName);
        Assert.Equal("ext-billing-42", o.ExternalId);
        Assert.Equal(1800, o.DurationSeconds);
        Assert.Contains("s3:GetObject", o.Policy);
        Assert.Equal(["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::123456789012:policy/Extra"], o.PolicyArns);
        Assert.Equal("payments", o.Tags["Team"]);
        Assert.Equal("42", o.Tags["CostCenter"]);
        Assert.Equal(["Team"], o.TransitiveTagKeys);
        Assert.Equal("alice", o.SourceIdentity);
        Assert.Equal("arn:aws:iam::123456789012:mfa/alice", o.MfaSerialNumber);
        Assert.Equal("eu-west-1", o.Region);
        Assert.Equal("https://sts.eu-west-1.amazonaws.com", o.ServiceUrl);
        Assert.False(o.SourceIsRoleSession);
        Assert.Equal(TimeSpan.FromMinutes(10), o.AdvisoryRefreshWindow);
        Assert.Equal(TimeSpan.FromMinutes(2), o.MandatoryRefreshWindow);
        Assert.True(o.StrictChainDurations);
        Assert.Equal(TimeSpan.FromSeconds(5), o.StsRequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(150), o.MfaTokenCodeTimeout);
        Assert.Equal(4, o.MaxStsRetries);
        Assert.Equal("/tmp/assume-role-binding-test", o.FileCacheDirectory);

        Assert.Equal(2, o.Chain.Count);
        var hub = o.Chain[0];
        Assert.Equal("arn:aws:iam::111111111111:role/Hub", hub.RoleArn);
        Assert.Equal("hub-session", hub.RoleSessionName);
        Assert.Equal("ext-hub-1", hub.ExternalId);
        Assert.Equal(3600, hub.DurationSeconds);
        Assert.Contains("2012-10-17", hub.Policy);
        Assert.Equal(["arn:aws:iam::aws:policy/PowerUserAccess"], hub.PolicyArns);
        Assert.Equal("hub", hub.Tags["Stage"]);
        Assert.Equal(["Stage"], hub.TransitiveTagKeys);
        Assert.Equal("alice", hub.SourceIdentity);
        Assert.Equal("arn:aws:iam::123456789012:mfa/hub", hub.MfaSerialNumber);
        Assert.Equal("us-west-2", hub.Region);
        Assert.Equal("https://sts.us-west-2.amazonaws.com", hub.ServiceUrl);
        Assert.Equal("arn:aws:iam::222222222222:role/Middle", o.Chain[1].RoleArn);

        var provider = sp.GetRequiredKeyedService<AssumeRoleCredentials>("billing");
        Assert.Equal(3, provider.HopCount);
    }

    [Fact]
    public void AddAssumeRole_EmptySection_KeepsDefaults()
    {
        var config = DiTestHost.Json("""{ "AssumeRole": { "RoleArn": "arn:aws:iam::123456789012:role/Demo" } }""");
        var services = new ServiceCollection();
        services.UseEngine(new TestEngine());
        services.AddAssumeRole(config.GetSection("AssumeRole"));
        using var sp = services.BuildServiceProvider();

        var o = sp.GetRequiredService<IOptions<AssumeRoleOptions>>().Value;

        Assert.Empty(o.Chain);
        Assert.Empty(o.Tags);
        Assert.Empty(o.PolicyArns);
        Assert.Null(o.DurationSeconds);
        Assert.Null(o.AdvisoryRefreshWindow);
        Assert.Null(o.MandatoryRefreshWindow);
        Assert.False(o.StrictChainDurations);
        Assert.Equal(TimeSpan.FromSeconds(10), o.StsRequestTimeout);
        Assert.Equal(TimeSpan.FromMinutes(1), o.MfaTokenCodeTimeout);
        Assert.Equal(2, o.MaxStsRetries);
    }
}
