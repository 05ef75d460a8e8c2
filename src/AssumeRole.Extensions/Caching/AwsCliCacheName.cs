using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AssumeRole.Extensions.Refresh;

namespace AssumeRole.Extensions.Caching;

/// <summary>
/// The name the AWS CLI gives a role session in its cache (<c>~/.aws/cli/cache/NAME.json</c>), so that a role read
/// from a profile shares sessions (and MFA prompts) with <c>aws --profile</c> in both directions.
/// </summary>
/// <remarks>
/// botocore (<c>AssumeRoleCredentialFetcher</c>) names the entry by the SHA-1 of the AssumeRole arguments it sends for
/// the profile, serialized by Python's <c>json.dumps(args, sort_keys=True)</c>: <c>RoleArn</c>, and when the profile
/// sets them <c>RoleSessionName</c>, <c>ExternalId</c>, <c>SerialNumber</c> (never the MFA code) and
/// <c>DurationSeconds</c> (a number); a session name botocore makes up itself is left out. The hex digest is then made
/// file-safe (<c>:</c> and <c>/</c> become <c>_</c>, a no-op on hex). The name does not include the source
/// credentials: the CLI trusts everything in the user's own cache directory, so these names are used only where the
/// CLI's are — a profile's hop, unchanged since it was read (no session policy, tags, source identity or provided
/// contexts added), reached from the profile's own source through the profile's own hops, in a directory laid out as
/// the CLI's cache.
/// </remarks>
internal static class AwsCliCacheName
{
    /// <summary>Whether <paramref name="directory"/> is an AWS CLI cache directory (<c>…/.aws/cli/cache</c>, any home).</summary>
    public static bool IsAwsCliCacheDirectory(string directory)
    {
        var full = Path.GetFullPath(FileSessionCache.ExpandHome(directory)).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        var suffix = Path.Combine(".aws", "cli", "cache");
        return full.EndsWith(Path.DirectorySeparatorChar + suffix, StringComparison.Ordinal);
    }

    /// <summary>
    /// The CLI's name for <paramref name="hop"/>, or <see langword="null"/> when the hop no longer makes the call the
    /// profile describes (options changed after <c>FromProfile</c>, a duration clamped for chaining, parameters a
    /// profile cannot set), in which case the CLI has no entry for it and ours is named by its principal.
    /// </summary>
    /// <param name="hop">The hop as planned.</param>
    /// <param name="profile">The hop as the profile states it.</param>
    /// <param name="sessionNameSet">Whether the options set <c>RoleSessionName</c> (or the default name was used).</param>
    public static string? For(HopSpec hop, AwsProfileHop profile, bool sessionNameSet)
    {
        var unchanged = hop.RoleArn == profile.RoleArn
            && hop.ExternalId == profile.ExternalId
            && hop.MfaSerialNumber == profile.MfaSerialNumber
            && hop.DurationSeconds == profile.DurationSeconds
            && hop.ClampedFromSeconds is null
            && (profile.RoleSessionName is null ? !sessionNameSet : hop.RoleSessionName == profile.RoleSessionName)
            && hop.Policy is null
            && hop.PolicyArns.Length == 0
            && hop.Tags.Length == 0
            && hop.TransitiveTagKeys.Length == 0
            && hop.SourceIdentity is null
            && hop.ProvidedContexts.Length == 0;
        return unchanged ? Of(profile) : null;
    }

    /// <summary>Whether a hop's options still say what its profile said (a hop before the one being named).</summary>
    /// <param name="raw">The hop's options.</param>
    /// <param name="profile">The hop as the profile states it.</param>
    public static bool Unchanged(AssumeRoleHopOptions raw, AwsProfileHop profile) =>
        raw.RoleArn == profile.RoleArn
        && raw.RoleSessionName == profile.RoleSessionName
        && raw.ExternalId == profile.ExternalId
        && raw.MfaSerialNumber == profile.MfaSerialNumber
        && raw.DurationSeconds == profile.DurationSeconds
        && raw.Policy is null
        && raw.PolicyArns is not { Count: > 0 }
        && raw.Tags is not { Count: > 0 }
        && raw.TransitiveTagKeys is not { Count: > 0 }
        && raw.SourceIdentity is null
        && raw.ProvidedContexts is not { Count: > 0 };

    /// <summary>botocore's name for the AssumeRole call of <paramref name="profile"/>.</summary>
    public static string Of(AwsProfileHop profile)
    {
        // Keys in code-point order, as sort_keys orders them.
        var args = new SortedDictionary<string, object>(StringComparer.Ordinal) { ["RoleArn"] = profile.RoleArn };
        if (profile.RoleSessionName is { } name)
        {
            args["RoleSessionName"] = name;
        }

        if (profile.ExternalId is { } externalId)
        {
            args["ExternalId"] = externalId;
        }

        if (profile.MfaSerialNumber is { } serial)
        {
            args["SerialNumber"] = serial;
        }

        if (profile.DurationSeconds is { } duration)
        {
            args["DurationSeconds"] = duration;
        }

        var json = PythonJsonDumps(args);
        var hex = Convert.ToHexString(SHA1.HashData(Encoding.UTF8.GetBytes(json))).ToLowerInvariant();
        return hex.Replace(':', '_').Replace('/', '_');
    }

    /// <summary>
    /// Python's <c>json.dumps</c> with its defaults (<c>", "</c> and <c>": "</c> separators, <c>ensure_ascii</c>:
    /// non-ASCII as <c>\uXXXX</c> in lower-case hex, surrogate pairs as two escapes) for a flat object of strings and
    /// integers. System.Text.Json escapes differently (<c>+</c> as <c>\u002B</c>, for one), which would change the hash.
    /// </summary>
    internal static string PythonJsonDumps(IEnumerable<KeyValuePair<string, object>> args)
    {
        var sb = new StringBuilder("{");
        var first = true;
        foreach (var (key, value) in args)
        {
            sb.Append(first ? string.Empty : ", ");
            first = false;
            AppendString(sb, key);
            sb.Append(": ");
            if (value is int number)
            {
                sb.Append(number.ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                AppendString(sb, (string)value);
            }
        }

        return sb.Append('}').ToString();
    }

    private static void AppendString(StringBuilder sb, string value)
    {
        sb.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20 || c > 0x7e)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }
}
