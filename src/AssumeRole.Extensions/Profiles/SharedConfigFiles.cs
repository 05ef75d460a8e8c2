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

    private void Read(string path, bool isConfigFile)
    {
        if (!File.Exists(path))
        {
            return;
        }

        Dictionary<string, string>? section = null;
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.TrimEnd();
            var trimmed = line.TrimStart();
            if (trimmed.Length == 0 || trimmed[0] is '#' or ';')
            {
                continue;
            }

            if (trimmed[0] == '[' && trimmed.EndsWith(']'))
            {
                section = SectionFor(trimmed[1..^1].Trim(), isConfigFile);
                continue;
            }

            // Indented lines are the sub-settings of a nested key (e.g. "s3 =" followed by "  max_concurrent_requests = 10").
            if (section is null || line.Length > 0 && char.IsWhiteSpace(line[0]))
            {
                continue;
            }

            var eq = trimmed.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            section[trimmed[..eq].Trim().ToLowerInvariant()] = trimmed[(eq + 1)..].Trim();
        }
    }

    private Dictionary<string, string>? SectionFor(string header, bool isConfigFile)
    {
        string name;
        if (!isConfigFile)
        {
            name = header;
        }
        else if (header == "default")
        {
            name = header;
        }
        else if (header.StartsWith("profile ", StringComparison.Ordinal))
        {
            name = header["profile ".Length..].Trim();
        }
        else
        {
            // sso-session, services and unprefixed sections are not profiles in the config file.
            return null;
        }

        if (!_profiles.TryGetValue(name, out var values))
        {
            values = new Dictionary<string, string>(StringComparer.Ordinal);
            _profiles[name] = values;
        }

        return values;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static string Expand(string path, string home) =>
        path.StartsWith("~/", StringComparison.Ordinal) || path == "~" ? Path.Combine(home, path.TrimStart('~').TrimStart('/')) : path;
}
