using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AssumeRole.Extensions.Binding;

/// <summary>
/// Binds configuration sections to the options without reflection, so that <c>AddAssumeRole(section)</c> and
/// <c>AddAssumeRoleMultiTenant(section)</c> work in trimmed and Native AOT apps. Each <c>Bind</c> call below is replaced
/// at compile time by code from the configuration binder's source generator (see AssumeRole.Extensions.csproj), which
/// binds the plain settings types (<see cref="AssumeRoleSettings"/>, <see cref="MultiTenantSettings"/>) starting from the
/// options' current values; null and empty values are applied first as the reflection binder applies them
/// (<see cref="ConfigurationValues"/>), and the result is copied onto the options. Registration mirrors
/// <c>OptionsBuilder.Bind(section)</c>: a change-token source, so reloads are followed, and a named configure step that
/// applies in registration order.
/// </summary>
/// <remarks>
/// The trim analyzer still flags the two <c>Bind</c> calls (IL2026/IL3050): it reports them where the generator's
/// suppressor no longer looks (the .NET 10 analyzer moved the location to the member access; the suppressor of the
/// 9.0 generator we build with predates that). They are suppressed below; <c>OptionsBindingTests</c> checks in the
/// compiled assembly that no call to the reflection binder is left, so a call the generator stops intercepting fails
/// a test instead of hiding behind the suppression.
/// </remarks>
internal static class OptionsBinding
{
    private const string Intercepted = "The configuration binder's source generator replaces this Bind call with generated code for the settings type.";

    public static void AddAssumeRole(IServiceCollection services, string name, IConfiguration section)
    {
        services.AddSingleton<IOptionsChangeTokenSource<AssumeRoleOptions>>(new ConfigurationChangeTokenSource<AssumeRoleOptions>(name, section));
        services.AddSingleton<IConfigureOptions<AssumeRoleOptions>>(new ConfigureNamedOptions<AssumeRoleOptions>(name, options => Bind(section, options)));
    }

    public static void AddMultiTenant(IServiceCollection services, IConfiguration section)
    {
        services.AddSingleton<IOptionsChangeTokenSource<MultiTenantOptions>>(new ConfigurationChangeTokenSource<MultiTenantOptions>(Options.DefaultName, section));
        services.AddSingleton<IConfigureOptions<MultiTenantOptions>>(new ConfigureNamedOptions<MultiTenantOptions>(Options.DefaultName, options => Bind(section, options)));
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = Intercepted)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = Intercepted)]
    public static void Bind(IConfiguration section, AssumeRoleOptions options)
    {
        var settings = AssumeRoleSettings.Of(options);
        settings.ApplyNullAndEmpty(section);
        BindWithoutValues(() => section.Bind(settings));
        settings.ApplyTo(options);
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = Intercepted)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = Intercepted)]
    public static void Bind(IConfiguration section, MultiTenantOptions options)
    {
        var settings = MultiTenantSettings.Of(options);
        settings.ApplyNullAndEmpty(section);
        BindWithoutValues(() => section.Bind(settings));
        settings.ApplyTo(options);
    }

    /// <summary>
    /// Runs a generated <c>Bind</c>, keeping its message (which names the key and the type) but not its inner exception:
    /// the parser's <see cref="FormatException"/> quotes the value (<c>The input string 'abc' was not in a correct
    /// format.</c>), and a value typed under the wrong key may be a secret. A host that fails at start prints the whole
    /// chain.
    /// </summary>
    private static void BindWithoutValues(Action bind)
    {
        try
        {
            bind();
        }
        catch (InvalidOperationException ex) when (ex.InnerException is not null)
        {
            throw new InvalidOperationException(ex.Message);
        }
    }
}
