namespace AssumeRole.Extensions.Profiles;

/// <summary>
/// The AWS shared config and credentials files, read the way the AWS CLI reads them: <c>[profile NAME]</c> (or
/// <c>[default]</c>) sections in the config file, <c>[NAME]</c> sections in the credentials file, and for a profile in
/// both, the credentials file's values win key by key.
/// </summary>
/// <remarks>
/// A small reader rather than the SDK's <c>SharedCredentialsFile</c>: that type maps profiles onto
/// <c>CredentialProfileOptions</c>, which has no <c>duration_seconds</c>, does not merge the two files key by key, and
/// classifies profiles (and drops the ones it cannot classify) instead of exposing the raw values the CLI resolves.
/// </remarks>
internal sealed class SharedConfigFiles
{
    private readonly Dictionary<string, Dictionary<string, string>> _profiles = new(StringComparer.Ordinal);

    public string ConfigPath { get; private init; } = string.Empty;

    public string CredentialsPath { get; private init; } = string.Empty;

    public static SharedConfigFiles Load(Func<string, string?> getEnv)
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var config = NonEmpty(getEnv("AWS_CONFIG_FILE")) ?? Path.Combine(home, ".aws", "config");
        var credentials = NonEmpty(getEnv("AWS_SHARED_CREDENTIALS_FILE")) ?? Path.Combine(home, ".aws", "credentials");
        var files = new SharedConfigFiles { ConfigPath = Expand(config, home), CredentialsPath = Expand(credentials, home) };
        files.Read(files.ConfigPath, isConfigFile: true);
        files.Read(files.CredentialsPath, isConfigFile: false);
        return files;
    }

    public IReadOnlyDictionary<string, string>? Profile(string name) => _profiles.TryGetValue(name, out var p) ? p : null;

    /// <summary>
    /// Reads one file as botocore does: <see cref="IniFile"/> for the syntax, then, in the config file, <c>[default]</c>
    /// and <c>[profile NAME]</c> sections are profiles (the header split like a shell line: exactly two words, the
    /// second is the name; a later section of the same name replaces an earlier one whole), and in the credentials
    /// file every section is a profile, merged into the config file's key by key.
    /// </summary>
    private void Read(string path, bool isConfigFile)
    {
        if (!File.Exists(path))
        {
            return;
        }

        IniFile ini;
        try
        {
            ini = IniFile.Read(path);
        }
        catch (FormatException ex)
        {
            throw new ArgumentException(
                $"The AWS {(isConfigFile ? "config" : "credentials")} file {Validation.SafeText.Quote(path)} cannot be parsed ({Validation.SafeText.Escape(ex.Message, 200)}); the AWS CLI refuses it too.",
                "profileName");
        }

        foreach (var (header, values) in ini.Sections)
        {
            if (!isConfigFile)
            {
                if (_profiles.TryGetValue(header, out var existing))
                {
                    foreach (var (key, value) in values)
                    {
                        existing[key] = value;
                    }
                }
                else
                {
                    _profiles[header] = values;
                }
            }
            else if (header.StartsWith("profile", StringComparison.Ordinal))
            {
                if (ShellWords(header) is [_, var name])
                {
                    _profiles[name] = values;
                }
            }
            else if (header == "default")
            {
                _profiles[header] = values;
            }

            // sso-session, services and any other section are not profiles.
        }
    }

    /// <summary>Python's <c>shlex.split</c> (POSIX rules: quotes and backslashes); <see langword="null"/> where it raises.</summary>
    internal static List<string>? ShellWords(string text)
    {
        var words = new List<string>();
        var word = new System.Text.StringBuilder();
        var inWord = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }

                continue;
            }

            inWord = true;
            if (c == '\\')
            {
                if (++i >= text.Length)
                {
                    return null;
                }

                word.Append(text[i]);
            }
            else if (c is '\'' or '"')
            {
                var end = i + 1;
                while (end < text.Length && text[end] != c)
                {
                    if (c == '"' && text[end] == '\\' && end + 1 < text.Length && text[end + 1] is '\\' or '"')
                    {
                        end++;
                    }

                    word.Append(text[end]);
                    end++;
                }

                if (end >= text.Length)
                {
                    return null;
                }

                i = end;
            }
            else
            {
                word.Append(c);
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static string Expand(string path, string home) =>
        path.StartsWith("~/", StringComparison.Ordinal) || path == "~" ? Path.Combine(home, path.TrimStart('~').TrimStart('/')) : path;
}
