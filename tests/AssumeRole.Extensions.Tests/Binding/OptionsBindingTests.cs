using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using AssumeRole.Extensions.Binding;
using AssumeRole.Extensions.MultiTenant;
using Microsoft.Extensions.Configuration;

namespace AssumeRole.Extensions.Tests.Binding;

/// <summary>
/// Configuration binding without reflection (<see cref="OptionsBinding"/>, compiled by the configuration binder's
/// source generator) against the reflection binder that bound the options before: for every documented key, and for
/// bad values, both must give the same options or the same error.
/// </summary>
public sealed partial class OptionsBindingTests
{
    /// <summary>Runtime objects: set in code, never bound. Every other public property must be in the settings type.</summary>
    private static readonly Dictionary<Type, string[]> s_runtimeProperties = new()
    {
        [typeof(AssumeRoleOptions)] = ["SourceCredentials", "DistributedCache", "DataProtectionProvider", "FleetCoordinator", "TokenCodeProvider"],
        [typeof(AssumeRoleHopOptions)] = ["TokenCodeProvider"],
        [typeof(SessionTokenOptions)] = ["TokenCodeProvider"],
        [typeof(MultiTenantOptions)] = ["SourceCredentials"],
    };

    private static readonly Func<CancellationToken, ValueTask<string>> s_code = _ => ValueTask.FromResult("123456");
    private static readonly AWSCredentials s_source = new BasicAWSCredentials("AKIDEXAMPLE", "not-a-secret");

    public static TheoryData<Type, Type> SettingsTypes => new()
    {
        { typeof(AssumeRoleOptions), typeof(AssumeRoleSettings) },
        { typeof(AssumeRoleHopOptions), typeof(AssumeRoleHopSettings) },
        { typeof(SessionTokenOptions), typeof(SessionTokenSettings) },
        { typeof(MultiTenantOptions), typeof(MultiTenantSettings) },
    };

    [Theory]
    [MemberData(nameof(SettingsTypes))]
    public void SettingsType_EveryBindablePublicProperty_IsThere(Type optionsType, Type settingsType)
    {
        var runtime = s_runtimeProperties[optionsType];
        var options = optionsType.GetProperties(BindingFlags.Public | BindingFlags.Instance).ToDictionary(p => p.Name);
        var settings = settingsType.GetProperties(BindingFlags.Public | BindingFlags.Instance).ToDictionary(p => p.Name);

        foreach (var property in options.Values)
        {
            if (runtime.Contains(property.Name))
            {
                Assert.True(IsRuntimeObject(property.PropertyType), $"{optionsType.Name}.{property.Name} ({property.PropertyType}) is bindable data: add it to {settingsType.Name}.");
                Assert.False(settings.ContainsKey(property.Name), $"{settingsType.Name}.{property.Name} is a runtime object");
                continue;
            }

            Assert.True(settings.TryGetValue(property.Name, out var setting), $"{optionsType.Name}.{property.Name} is bindable but {settingsType.Name} has no {property.Name}: configuration would not bind it.");
            Assert.Equal(SettingsTypeOf(property.PropertyType), setting.PropertyType);
            Assert.True(setting.CanWrite && setting.SetMethod!.IsPublic, $"{settingsType.Name}.{property.Name} needs a public setter");
        }

        Assert.Empty(settings.Keys.Except(options.Keys));
    }

    [Fact]
    public void OfThenApplyTo_EveryBindableProperty_IsCopied()
    {
        var source = Fill(new AssumeRoleOptions());
        source.Chain = [Fill(new AssumeRoleHopOptions()), Fill(new AssumeRoleHopOptions())];
        var target = new AssumeRoleOptions();

        AssumeRoleSettings.Of(source).ApplyTo(target);

        Assert.Equal(WithoutRuntimeObjects(OptionsDump.Of(source)), WithoutRuntimeObjects(OptionsDump.Of(target)));
        Assert.Contains("options.Chain[1].RoleArn = RoleArn-value", OptionsDump.Of(target), StringComparison.Ordinal);
        var tenants = Fill(new MultiTenantOptions());
        var tenantsTarget = new MultiTenantOptions();
        MultiTenantSettings.Of(tenants).ApplyTo(tenantsTarget);
        Assert.Equal(WithoutRuntimeObjects(OptionsDump.Of(tenants)), WithoutRuntimeObjects(OptionsDump.Of(tenantsTarget)));

        static string WithoutRuntimeObjects(string dump) => string.Join('\n', dump.Split('\n').Where(line => !s_runtimeProperties.Values.SelectMany(r => r).Any(name => line.Contains("." + name + " =", StringComparison.Ordinal))));
    }

    [Fact]
    public void Bind_ReadmeConfigurationSchema_SameOptionsAsReflectionBinder()
    {
        var json = ReadmeSchemaJson();
        Assert.Contains("\"SecondLevelCacheBreakDuration\"", json, StringComparison.Ordinal);

        var (generated, reflection) = BindBothWays(json, "AssumeRole", () => new AssumeRoleOptions());

        Assert.Equal(reflection, generated);
        Assert.Contains("options.Chain[1].RoleArn = arn:aws:iam::222222222222:role/Workload", generated, StringComparison.Ordinal);
        Assert.Contains("options.SecondLevelCacheTimeout = 00:00:00.2500000", generated, StringComparison.Ordinal);

        var (tenantGenerated, tenantReflection) = BindBothWays(json, "AssumeRole:MultiTenant", () => new MultiTenantOptions());
        Assert.Equal(tenantReflection, tenantGenerated);
        Assert.Contains("options.StsCallsPerSecond = 50", tenantGenerated, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> Configurations => new()
    {
        { "every key, non-default values", """
            { "RoleArn": "arn:aws:iam::123456789012:role/Billing", "RoleSessionName": "billing-svc", "ExternalId": "ext-42",
              "DurationSeconds": 1800, "Policy": "{\"Version\":\"2012-10-17\"}", "PolicyArns": [ "arn:aws:iam::aws:policy/A", "arn:aws:iam::aws:policy/B" ],
              "Tags": { "Team": "payments", "CostCenter": "42" }, "TransitiveTagKeys": [ "Team" ], "SourceIdentity": "alice",
              "ProvidedContexts": [ { "ProviderArn": "arn:aws:iam::aws:contextProvider/IdentityCenter", "ContextAssertion": "assertion" } ],
              "MfaSerialNumber": "arn:aws:iam::123456789012:mfa/alice", "Region": "eu-west-1", "ServiceUrl": "https://sts.eu-west-1.amazonaws.com",
              "SourceIsRoleSession": true, "AdvisoryRefreshWindow": "00:10:00", "MandatoryRefreshWindow": "00:02:00", "StrictChainDurations": true,
              "StsRequestTimeout": "00:00:05", "MfaTokenCodeTimeout": "00:02:30", "MaxStsRetries": 4, "FileCacheDirectory": "~/.aws/cli/cache",
              "SecondLevelCacheTimeout": "00:00:01", "SecondLevelCacheBreakDuration": "00:01:00", "ShareSessionsAcrossSourceSessions": true,
              "Chain": [ { "RoleArn": "arn:aws:iam::111111111111:role/Hub", "RoleSessionName": "hub", "ExternalId": "ext-hub", "DurationSeconds": 3600,
                           "Policy": "{}", "PolicyArns": [ "arn:aws:iam::aws:policy/C" ], "Tags": { "Stage": "hub" }, "TransitiveTagKeys": [ "Stage" ],
                           "SourceIdentity": "alice", "ProvidedContexts": [ { "ProviderArn": "p", "ContextAssertion": "c" } ],
                           "MfaSerialNumber": "arn:aws:iam::123456789012:mfa/hub", "Region": "us-west-2", "ServiceUrl": "http://127.0.0.1:5000" },
                         { "RoleArn": "arn:aws:iam::222222222222:role/Middle" } ] }
            """ },
        { "first hops", """
            { "RoleArn": "arn:aws:iam::123456789012:role/Target",
              "WebIdentity": { "RoleArn": "arn:aws:iam::123456789012:role/Irsa", "WebIdentityTokenFile": "/var/run/token", "RoleSessionName": "pod",
                               "DurationSeconds": 900, "Policy": "{}" },
              "SessionToken": { "DurationSeconds": 129600, "MfaSerialNumber": "arn:aws:iam::123456789012:mfa/alice" } }
            """ },
        { "empty and null values", """
            { "RoleArn": "", "RoleSessionName": null, "DurationSeconds": "", "AdvisoryRefreshWindow": "", "SourceIsRoleSession": null,
              "PolicyArns": [], "Tags": {}, "TransitiveTagKeys": [ "" ], "Chain": [], "ProvidedContexts": [ {} ], "WebIdentity": {},
              "SessionToken": { "DurationSeconds": null }, "FileCacheDirectory": "" }
            """ },
        { "TimeSpan, bool and int formats", """
            { "AdvisoryRefreshWindow": "1.02:03:04", "MandatoryRefreshWindow": " 00:01:00 ", "StsRequestTimeout": "10",
              "MfaTokenCodeTimeout": "-00:01:00", "SecondLevelCacheTimeout": "00:00:00.250", "SecondLevelCacheBreakDuration": "00:00:30.5",
              "StrictChainDurations": "TRUE", "SourceIsRoleSession": "False", "ShareSessionsAcrossSourceSessions": "true",
              "MaxStsRetries": " +7 ", "DurationSeconds": "-1" }
            """ },
        { "keys in any case, unknown keys", """
            { "rolearn": "arn:aws:iam::123456789012:role/Lower", "CHAIN": [ { "ROLEARN": "arn:aws:iam::111111111111:role/Upper" } ],
              "tags": { "Team": "a" }, "Bogus": 1, "Chain2": [ 1 ] }
            """ },
        { "scalars where objects are expected", """
            { "Chain": "x", "Tags": "x", "WebIdentity": "x", "SessionToken": "x", "PolicyArns": "x", "ProvidedContexts": "x" }
            """ },
        { "sparse and named list indexes", """
            { "Chain": { "0": { "RoleArn": "a" }, "5": { "RoleArn": "b" }, "x": { "RoleArn": "c" } }, "PolicyArns": { "3": "p3", "1": "p1" },
              "Tags": { "Team": "a", "Cost": "b" } }
            """ },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Bind_Configuration_SameOptionsAsReflectionBinder(string scenario, string json)
    {
        var (generated, reflection) = BindBothWays("{ \"AssumeRole\": " + json + " }", "AssumeRole", () => new AssumeRoleOptions());

        Assert.True(reflection == generated, $"{scenario}:\n{Diff(reflection, generated)}");
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Bind_OverOptionsSetInCode_SameOptionsAsReflectionBinder(string scenario, string json)
    {
        // Options already configured before the section is bound (an earlier Configure): values, collections with items,
        // hops with MFA callbacks, first-hop objects and runtime objects. Binding adds to them as the reflection binder did.
        static AssumeRoleOptions Configured() => new()
        {
            RoleArn = "arn:aws:iam::123456789012:role/FromCode",
            PolicyArns = ["arn:aws:iam::aws:policy/FromCode"],
            Tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Owner"] = "code" },
            TokenCodeProvider = s_code,
            Chain = [new AssumeRoleHopOptions { RoleArn = "arn:aws:iam::999999999999:role/CodeHop", TokenCodeProvider = s_code }],
            WebIdentity = new WebIdentityOptions { WebIdentityTokenFile = "/code/token" },
            SessionToken = new SessionTokenOptions { DurationSeconds = 7200, TokenCodeProvider = s_code },
            SourceCredentials = s_source,
            MaxStsRetries = 9,
            StsRequestTimeout = TimeSpan.FromSeconds(3),
            ProvidedContexts = [new AssumeRoleProvidedContext { ProviderArn = "code", ContextAssertion = "code" }],
        };

        var (generated, reflection) = BindBothWays("{ \"AssumeRole\": " + json + " }", "AssumeRole", Configured);

        Assert.True(reflection == generated, $"{scenario}:\n{Diff(reflection, generated)}");
    }

    public static TheoryData<string, string> NullAndEmptyValues()
    {
        // Every bindable key of the role, its first hops and the multi-tenant options, as JSON null and as "".
        var data = new TheoryData<string, string>();
        void Add(Type type, string prefix)
        {
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
            {
                if (!s_runtimeProperties.GetValueOrDefault(type, []).Contains(property.Name))
                {
                    data.Add(prefix, property.Name + "=null");
                    data.Add(prefix, property.Name + "=");
                }
            }
        }

        Add(typeof(AssumeRoleOptions), "AssumeRole");
        Add(typeof(WebIdentityOptions), "AssumeRole:WebIdentity");
        Add(typeof(SessionTokenOptions), "AssumeRole:SessionToken");
        Add(typeof(MultiTenantOptions), "MultiTenant");
        return data;
    }

    [Theory]
    [MemberData(nameof(NullAndEmptyValues))]
    public void Bind_NullOrEmptyValueOverOptionsSetInCode_SameAsReflectionBinder(string section, string assignment)
    {
        var (key, value) = (assignment.Split('=')[0], assignment.Split('=')[1]);
        var json = new StringBuilder("{ ");
        var parts = section.Split(':');
        foreach (var part in parts)
        {
            json.Append('"').Append(part).Append("\": { ");
        }

        json.Append('"').Append(key).Append("\": ").Append(value.Length == 0 ? "\"\"" : "null");
        json.Append(' ', 1).Append(string.Concat(Enumerable.Repeat("} ", parts.Length))).Append('}');
        var root = parts[0];
        static AssumeRoleOptions Role()
        {
            var options = Fill(new AssumeRoleOptions());
            options.Chain.Add(Fill(new AssumeRoleHopOptions()));
            return options;
        }

        var (generated, reflection) = root == "MultiTenant"
            ? BindBothWays(json.ToString(), root, () => Fill(new MultiTenantOptions()))
            : BindBothWays(json.ToString(), root, Role);

        Assert.True(reflection == generated, $"{json}:\n{Diff(reflection, generated)}");
    }

    [Fact]
    public void Bind_OverOptionsSetInCode_KeepsTheInstancesAndCallbacks()
    {
        var hop = new AssumeRoleHopOptions { RoleArn = "arn:aws:iam::999999999999:role/CodeHop", TokenCodeProvider = s_code };
        var sessionToken = new SessionTokenOptions { TokenCodeProvider = s_code };
        var options = new AssumeRoleOptions { Chain = [hop], SessionToken = sessionToken, SourceCredentials = s_source, TokenCodeProvider = s_code };
        var config = DependencyInjection.DiTestHost.Json("""
            { "Chain": [ { "RoleArn": "arn:aws:iam::111111111111:role/Added" } ], "SessionToken": { "DurationSeconds": 3600 } }
            """);

        OptionsBinding.Bind(config, options);

        Assert.Same(hop, options.Chain[0]);
        Assert.Same(s_code, options.Chain[0].TokenCodeProvider);
        Assert.Equal("arn:aws:iam::111111111111:role/Added", options.Chain[1].RoleArn);
        Assert.Same(sessionToken, options.SessionToken);
        Assert.Equal(3600, sessionToken.DurationSeconds);
        Assert.Same(s_code, sessionToken.TokenCodeProvider);
        Assert.Same(s_source, options.SourceCredentials);
        Assert.Same(s_code, options.TokenCodeProvider);
    }

    public static TheoryData<string, string> InvalidValues => new()
    {
        { "AssumeRole", """{ "DurationSeconds": "abc" }""" },
        { "AssumeRole", """{ "DurationSeconds": "99999999999" }""" },
        { "AssumeRole", """{ "MaxStsRetries": "1.5" }""" },
        { "AssumeRole", """{ "MaxStsRetries": "" }""" },
        { "AssumeRole", """{ "StsRequestTimeout": "soon" }""" },
        { "AssumeRole", """{ "StsRequestTimeout": "" }""" },
        { "AssumeRole", """{ "AdvisoryRefreshWindow": "00:60:00" }""" },
        { "AssumeRole", """{ "MandatoryRefreshWindow": "1.2.3" }""" },
        { "AssumeRole", """{ "StrictChainDurations": "yes" }""" },
        { "AssumeRole", """{ "SourceIsRoleSession": "maybe" }""" },
        { "AssumeRole", """{ "WebIdentity": { "DurationSeconds": "x" } }""" },
        { "AssumeRole", """{ "SessionToken": { "DurationSeconds": "x" } }""" },
        { "MultiTenant", """{ "IdleTimeout": "x" }""" },
        { "MultiTenant", """{ "MaxTenants": "ten" }""" },
        { "MultiTenant", """{ "QueueLimit": "" }""" },
        { "MultiTenant", """{ "DurationSeconds": "x" }""" },
    };

    [Theory]
    [MemberData(nameof(InvalidValues))]
    public void Bind_InvalidValue_SameErrorAsReflectionBinder(string section, string json)
    {
        var (generated, reflection) = section == "MultiTenant"
            ? BindBothWays("{ \"MultiTenant\": " + json + " }", section, () => new MultiTenantOptions())
            : BindBothWays("{ \"AssumeRole\": " + json + " }", section, () => new AssumeRoleOptions());

        Assert.StartsWith("throws Failed to convert configuration value at '" + section + ":", reflection, StringComparison.Ordinal);
        Assert.Equal(reflection, generated);
    }

    /// <summary>
    /// Where the generated binder deliberately differs from the reflection binder: configurations that are wrong, which
    /// the reflection binder turned into other settings without a word. Each fails or is ignored visibly instead.
    /// </summary>
    [Theory]
    [InlineData(
        """{ "Chain": [ { "RoleArn": "arn:aws:iam::111111111111:role/A" }, { "RoleArn": "arn:aws:iam::222222222222:role/B", "DurationSeconds": "x" } ] }""",
        "options.Chain : 1 items", // the reflection binder drops a hop it cannot bind: a different chain is assumed
        "throws Failed to convert configuration value at 'AssumeRole:Chain:1:DurationSeconds' to type 'System.Int32'.")]
    [InlineData(
        """{ "MaxStsRetries": "0x10" }""",
        "options.MaxStsRetries = 16 (Int32)", // TypeConverter's hexadecimal prefix, which no documented key uses
        "throws Failed to convert configuration value at 'AssumeRole:MaxStsRetries' to type 'System.Int32'.")]
    [InlineData(
        """{ "RoleArn": { "Nested": "x" } }""",
        "throws Cannot create instance of type 'System.String' because it has multiple public parameterized constructors.",
        "options.RoleArn = null")] // an object where a string is expected: not a value, so nothing is bound
    public void Bind_WrongConfiguration_FailsOrIgnoresInsteadOfGuessing(string json, string reflectionOutcome, string generatedOutcome)
    {
        var (generated, reflection) = BindBothWays("{ \"AssumeRole\": " + json + " }", "AssumeRole", () => new AssumeRoleOptions());

        Assert.Contains(reflectionOutcome, reflection, StringComparison.Ordinal);
        Assert.Contains(generatedOutcome, generated, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:01", true)]
    [InlineData("1.00:00:00", true)]
    [InlineData("00:15:00", true)]
    [InlineData("00:00:00.999", false)]
    [InlineData("00:00:00", false)]
    [InlineData("1.00:00:00.001", false)]
    [InlineData("-00:05:00", false)]
    public void CheckIdleTimeout_Bounds_TheFormerRangeAttributesRuleAndMessage(string value, bool valid)
    {
        var failure = MultiTenantOptionsRules.CheckIdleTimeout(TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture));

        // The message [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")] gave through the generated validator.
        Assert.Equal(valid ? null : "IdleTimeout: The field MultiTenantOptions.IdleTimeout must be between 00:00:01 and 1.00:00:00.", failure);
    }

    [Fact]
    public void CompiledLibrary_CallsNoReflectionBinder()
    {
        // The generator replaces each Bind call with generated code (an interceptor); the trim warnings at those calls are
        // suppressed (see OptionsBinding), so this is what proves that no call to the reflection binder is left.
        using var stream = File.OpenRead(typeof(AssumeRoleOptions).Assembly.Location);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var types = metadata.TypeReferences.Select(t => metadata.GetString(metadata.GetTypeReference(t).Name)).ToList();

        Assert.Contains("ConfigurationChangeTokenSource`1", types);
        Assert.DoesNotContain("ConfigurationBinder", types);
        Assert.DoesNotContain("OptionsBuilderConfigurationExtensions", types);
        Assert.DoesNotContain("OptionsConfigurationServiceCollectionExtensions", types);
    }

    /// <summary>The options (dumped) or the error, bound by <see cref="OptionsBinding"/> and by the reflection binder.</summary>
    private static (string Generated, string Reflection) BindBothWays<T>(string json, string path, Func<T> create)
        where T : class
    {
        var section = DependencyInjection.DiTestHost.Json(json).GetSection(path);
        var generated = Outcome(() =>
        {
            var options = create();
            switch (options)
            {
                case AssumeRoleOptions role:
                    OptionsBinding.Bind(section, role);
                    break;
                case MultiTenantOptions tenants:
                    OptionsBinding.Bind(section, tenants);
                    break;
            }

            return OptionsDump.Of(options);
        });
        var reflection = Outcome(() =>
        {
            var options = create();
            section.Bind(options);
            return OptionsDump.Of(options);
        });
        return (generated, reflection);

        static string Outcome(Func<string> bind)
        {
            try
            {
                return bind();
            }
            catch (InvalidOperationException ex)
            {
                // The reflection binder of Microsoft.Extensions.Configuration.Binder 9+ quotes the value; 8.0's binder
                // and the generated code do not (a value may be a secret).
                return "throws " + QuotedValue().Replace(ex.Message, "value at '", 1);
            }
        }
    }

    private static string Diff(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        var text = new StringBuilder();
        foreach (var line in e.Except(a))
        {
            text.Append("- reflection: ").AppendLine(line);
        }

        foreach (var line in a.Except(e))
        {
            text.Append("+ generated:  ").AppendLine(line);
        }

        return text.ToString();
    }

    private static bool IsRuntimeObject(Type type) =>
        typeof(Delegate).IsAssignableFrom(type) || type.IsAbstract || (type.IsInterface && !type.IsGenericType);

    private static Type SettingsTypeOf(Type type) =>
        type == typeof(IList<AssumeRoleHopOptions>) ? typeof(IList<AssumeRoleHopSettings>)
        : type == typeof(SessionTokenOptions) ? typeof(SessionTokenSettings)
        : type;

    /// <summary>Sets every public settable property to a value that is not its default (by type), runtime objects included.</summary>
    private static T Fill<T>(T options)
        where T : class
    {
        var n = 0;
        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            n++;
            var type = property.PropertyType;
            object? value =
                type == typeof(string) ? property.Name + "-value"
                : type == typeof(int) || type == typeof(int?) ? 1000 + n
                : type == typeof(bool) || type == typeof(bool?) ? true
                : type == typeof(TimeSpan) || type == typeof(TimeSpan?) ? TimeSpan.FromSeconds(100 + n)
                : type == typeof(IList<string>) ? new List<string> { property.Name + "-item" }
                : type == typeof(IDictionary<string, string>) ? new Dictionary<string, string>(StringComparer.Ordinal) { [property.Name] = "v" }
                : type == typeof(IList<AssumeRoleProvidedContext>) ? new List<AssumeRoleProvidedContext> { new() { ProviderArn = "p", ContextAssertion = "c" } }
                : type == typeof(IList<AssumeRoleHopOptions>) ? new List<AssumeRoleHopOptions>()
                : type == typeof(WebIdentityOptions) ? Fill(new WebIdentityOptions())
                : type == typeof(SessionTokenOptions) ? Fill(new SessionTokenOptions())
                : type == typeof(AWSCredentials) ? s_source
                : type == typeof(Func<CancellationToken, ValueTask<string>>) ? s_code
                : null;
            Assert.True(value is not null || s_runtimeProperties.Values.Any(r => r.Contains(property.Name)), $"No sample value for {property.Name} ({type}): extend Fill.");
            if (value is not null)
            {
                property.SetValue(options, value);
            }
        }

        return options;
    }

    private static string ReadmeSchemaJson()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var match = ReadmeSchemaBlock().Match(readme);
        Assert.True(match.Success, "README.md has no ```jsonc block under '### Configuration schema'");
        return match.Groups[1].Value.Replace("…", "x", StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AssumeRole.Extensions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (AssumeRole.Extensions.sln) is not above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("value '.*?' at '", RegexOptions.Singleline)]
    private static partial Regex QuotedValue();

    [GeneratedRegex(@"### Configuration schema.*?```jsonc\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ReadmeSchemaBlock();
}
