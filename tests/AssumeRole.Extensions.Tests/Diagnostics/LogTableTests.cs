using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace AssumeRole.Extensions.Tests.Diagnostics;

/// <summary>
/// Every log event the library defines (<c>[LoggerMessage]</c> methods of its <c>Log</c> classes) is in the README's
/// log table, with the same level, and the table lists no event that does not exist: operators alert on these ids.
/// </summary>
public sealed partial class LogTableTests
{
    [Fact]
    public void ReadmeLogTable_ListsEveryLoggerMessageOfTheLibraryWithItsLevel()
    {
        var defined = DefinedEvents();
        var documented = DocumentedEvents();

        Assert.NotEmpty(defined);
        var missing = defined.Where(e => !documented.ContainsKey(e.Key)).Select(e => $"{e.Key} ({e.Value})").ToList();
        Assert.True(missing.Count == 0, $"Log events missing from the README's log table: {string.Join(", ", missing)}");
        foreach (var (id, level) in defined)
        {
            Assert.True(documented[id] == level.ToString(), $"Event {id}: the README says {documented[id]}, the code logs at {level}.");
        }

        var stale = documented.Keys.Where(id => !defined.ContainsKey(id)).ToList();
        Assert.True(stale.Count == 0, $"The README's log table lists events the code does not define: {string.Join(", ", stale)}");
    }

    private static Dictionary<int, LogLevel> DefinedEvents()
    {
        var events = new Dictionary<int, LogLevel>();
        var methods = typeof(AssumeRoleCredentials).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly));
        foreach (var method in methods)
        {
            if (method.GetCustomAttribute<LoggerMessageAttribute>() is { } attribute)
            {
                Assert.True(events.TryAdd(attribute.EventId, attribute.Level), $"Event id {attribute.EventId} is defined twice ({method.DeclaringType!.Name}.{method.Name}).");
            }
        }

        return events;
    }

    private static Dictionary<int, string> DocumentedEvents()
    {
        var readme = File.ReadAllLines(Path.Combine(RepositoryRoot(), "README.md"));
        var start = Array.FindIndex(readme, line => line.Trim() == "### Logs");
        Assert.True(start >= 0, "README.md has no '### Logs' section.");
        var rows = new Dictionary<int, string>();
        foreach (var line in readme.Skip(start + 1).TakeWhile(line => !line.StartsWith('#')))
        {
            if (TableRow().Match(line) is { Success: true } row)
            {
                rows[int.Parse(row.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)] = row.Groups[2].Value;
            }
        }

        return rows;
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

    [GeneratedRegex(@"^\|\s*(\d+)\s*\|\s*(\w+)\s*\|")]
    private static partial Regex TableRow();
}
