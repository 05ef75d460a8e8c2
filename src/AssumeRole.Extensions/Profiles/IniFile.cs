using System.Globalization;
using System.Text;

namespace AssumeRole.Extensions.Profiles;

/// <summary>
/// An INI file read with the rules of Python's <c>configparser.RawConfigParser</c>, which botocore (the AWS CLI) uses
/// for the shared config and credentials files, so a file means here what it means to the CLI:
/// <list type="bullet">
/// <item><c>key = value</c> or <c>key: value</c> (the first <c>=</c> or <c>:</c> splits); keys are lower-cased.</item>
/// <item>Whole-line comments start with <c>#</c> or <c>;</c> (after any indentation); there are no inline comments.</item>
/// <item>A line indented deeper than its key continues the value (joined with newlines; blank lines inside are kept).</item>
/// <item><c>[DEFAULT]</c> holds defaults for every other section of the same file.</item>
/// <item>Errors, which make the CLI refuse the whole file: a section twice, a key twice in one section, a line that is
/// neither a section, a comment nor <c>key=value</c>, a key before the first section, bytes that are not UTF-8, and a
/// nested block (<c>s3 =</c> then indented lines) with a line that has no <c>=</c> — lines as Python's
/// <c>splitlines()</c> cuts them, so a U+0085, U+2028, U+001C or \v inside a nested value starts a new line.</item>
/// </list>
/// </summary>
internal sealed class IniFile
{
    private const string DefaultSection = "DEFAULT";

    /// <summary>Where Python's <c>str.splitlines()</c> breaks a line (besides <c>\r\n</c>, which the file reader already took).</summary>
    private static readonly char[] PythonLineBreaks = ['\n', '\r', '\v', '\f', '\u001C', '\u001D', '\u001E', '\u0085', '\u2028', '\u2029'];

    private IniFile(List<KeyValuePair<string, Dictionary<string, string>>> sections) => Sections = sections;

    /// <summary>The sections other than <c>[DEFAULT]</c>, in file order, with the defaults merged in.</summary>
    public IReadOnlyList<KeyValuePair<string, Dictionary<string, string>>> Sections { get; }

    /// <summary>Parses <paramref name="path"/>; <see cref="FormatException"/> (with the line) when the CLI would refuse it.</summary>
    public static IniFile Read(string path)
    {
        // No BOM detection and no replacement characters: Python reads the file as strict UTF-8, where a BOM is an
        // ordinary character (and so makes the first line unparsable).
        using var reader = new StreamReader(path, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: false);
        var lines = new List<string>();
        try
        {
            while (reader.ReadLine() is { } line)
            {
                lines.Add(line);
            }
        }
        catch (DecoderFallbackException)
        {
            throw new FormatException("the file is not valid UTF-8");
        }

        return Parse(lines);
    }

    internal static IniFile Parse(IReadOnlyList<string> lines)
    {
        var sections = new List<KeyValuePair<string, Dictionary<string, List<string>>>>();
        var defaults = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var added = new HashSet<string>(StringComparer.Ordinal);
        Dictionary<string, List<string>>? current = null;
        string? sectionName = null;
        string? option = null;
        var indentLevel = 0;
        string? firstError = null;

        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            var lineNumber = i + 1;
            var value = Strip(line);
            var isComment = value.StartsWith('#') || value.StartsWith(';');
            if (isComment || value.Length == 0)
            {
                if (!isComment && current is not null && option is not null)
                {
                    current[option].Add(string.Empty);
                }

                continue;
            }

            var indent = 0;
            while (indent < line.Length && IsWhiteSpace(line[indent]))
            {
                indent++;
            }

            if (current is not null && option is not null && indent > indentLevel)
            {
                current[option].Add(value);
                continue;
            }

            indentLevel = indent;
            var close = value.LastIndexOf(']');
            if (value[0] == '[' && close >= 2)
            {
                // "[profile a] anything" is the section "profile a": Python's pattern is \[(?P<header>.+)\] matched at the start.
                sectionName = value[1..close];
                if (sectionName == DefaultSection)
                {
                    current = defaults;
                }
                else
                {
                    if (!added.Add(sectionName))
                    {
                        throw Error(lineNumber, $"section [{sectionName}] appears twice");
                    }

                    current = new Dictionary<string, List<string>>(StringComparer.Ordinal);
                    sections.Add(KeyValuePair.Create(sectionName, current));
                }

                option = null;
                continue;
            }

            if (current is null)
            {
                throw Error(lineNumber, "a line comes before the first [section]");
            }

            var delimiter = value.IndexOfAny(['=', ':']);
            if (delimiter < 0)
            {
                firstError ??= Describe(lineNumber, "the line is not a [section], a comment or key = value");
                continue;
            }

            var name = StripEnd(value[..delimiter]).ToLowerInvariant();
            if (name.Length == 0)
            {
                firstError ??= Describe(lineNumber, "the line has no key before its '=' or ':'");
            }

            if (!added.Add(sectionName + "\n" + name))
            {
                throw Error(lineNumber, $"key '{name}' appears twice in [{sectionName}]");
            }

            option = name;
            current[name] = [Strip(value[(delimiter + 1)..])];
        }

        if (firstError is not null)
        {
            throw new FormatException(firstError);
        }

        var result = new List<KeyValuePair<string, Dictionary<string, string>>>(sections.Count);
        foreach (var (name, options) in sections)
        {
            var merged = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, parts) in defaults.Concat(options))
            {
                merged[key] = Join(parts);
            }

            foreach (var (key, text) in merged)
            {
                // botocore reads a value that starts on the next line as a nested block of "key = value" lines, split
                // with Python's str.splitlines(), which also breaks at \v, \f, U+001C–U+001E, U+0085, U+2028, U+2029.
                if (text.StartsWith('\n') && text.Split(PythonLineBreaks).Any(l => Strip(l).Length > 0 && !l.Contains('=', StringComparison.Ordinal)))
                {
                    throw new FormatException($"the nested block of '{key}' in [{name}] has a line without '='");
                }
            }

            result.Add(KeyValuePair.Create(name, merged));
        }

        return new IniFile(result);
    }

    /// <summary>Python's <c>str.isspace</c>: .NET's white space plus the information separators U+001C–U+001F.</summary>
    internal static bool IsWhiteSpace(char c) => char.IsWhiteSpace(c) || c is >= '\u001C' and <= '\u001F';

    internal static string Strip(string s) => StripEnd(s.TrimStart(WhiteSpaceOf(s)));

    private static string StripEnd(string s)
    {
        var end = s.Length;
        while (end > 0 && IsWhiteSpace(s[end - 1]))
        {
            end--;
        }

        return s[..end];
    }

    private static char[] WhiteSpaceOf(string s) => [.. s.Where(IsWhiteSpace).Distinct()];

    private static string Join(List<string> parts) => StripEnd(string.Join('\n', parts));

    private static string Describe(int line, string what) => string.Create(CultureInfo.InvariantCulture, $"line {line}: {what}");

    private static FormatException Error(int line, string what) => new(Describe(line, what));
}
