using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace AssumeRole.Extensions.Tests.Binding;

/// <summary>
/// Every public value of an options object, one line per value (collections by index, dictionaries by key with their
/// comparer), so that two options objects can be compared as data. Objects that are not options types (credentials,
/// callbacks, caches) are written by reference identity.
/// </summary>
internal static class OptionsDump
{
    private static readonly HashSet<Type> s_optionsTypes =
    [
        typeof(AssumeRoleOptions), typeof(AssumeRoleHopOptions), typeof(WebIdentityOptions), typeof(SessionTokenOptions),
        typeof(AssumeRoleProvidedContext), typeof(MultiTenantOptions),
    ];

    public static string Of(object? options)
    {
        var text = new StringBuilder();
        Write(text, options, "options");
        return text.ToString();
    }

    private static void Write(StringBuilder text, object? value, string path)
    {
        switch (value)
        {
            case null:
                text.AppendLine(CultureInfo.InvariantCulture, $"{path} = null");
                break;
            case string or bool or int or TimeSpan or Enum:
                text.AppendLine(CultureInfo.InvariantCulture, $"{path} = {Convert.ToString(value, CultureInfo.InvariantCulture)} ({value.GetType().Name})");
                break;
            case IDictionary<string, string> dictionary:
                var comparer = (dictionary as Dictionary<string, string>)?.Comparer.GetType().Name ?? "?";
                text.AppendLine(CultureInfo.InvariantCulture, $"{path} : {dictionary.GetType().Name} ({comparer}), {dictionary.Count} entries");
                foreach (var (key, item) in dictionary)
                {
                    Write(text, item, $"{path}[{key}]");
                }

                break;
            case IList list:
                text.AppendLine(CultureInfo.InvariantCulture, $"{path} : {list.Count} items");
                for (var i = 0; i < list.Count; i++)
                {
                    Write(text, list[i], $"{path}[{i}]");
                }

                break;
            default:
                var type = value.GetType();
                if (!s_optionsTypes.Contains(type))
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"{path} = {type.Name}#{RuntimeHelpers.GetHashCode(value)}");
                    break;
                }

                foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    Write(text, property.GetValue(value), path + "." + property.Name);
                }

                break;
        }
    }
}
