using System.Globalization;
using System.Text.RegularExpressions;
using AssumeRole.Extensions.Sts;

namespace AssumeRole.Extensions.Caching;

/// <summary>
/// What a session read back from a second-level cache must be before any caller sees it: the session its name says
/// (the role, account and session name in its assumed-role ARN), issued by STS at a time STS's clock has passed, and
/// lasting no longer than STS issues for the call. Anything else is refused with a reason that names no content.
/// </summary>
internal sealed partial class SessionEntryCheck
{
    /// <summary>Slack for the Date header's whole seconds and the Expiration's rounding.</summary>
    private static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan ChainedMaxLifetime = TimeSpan.FromSeconds(Validation.StsConstraints.ChainedMaxDuration);

    private readonly string? _partition;
    private readonly string? _account;
    private readonly string? _roleName;
    private readonly Func<bool>? _learnedChained;

    /// <param name="roleArn">The hop's role, or <see langword="null"/> for a GetSessionToken session (no assumed-role ARN).</param>
    /// <param name="sessionName">The session name the ARN must carry; <see langword="null"/> accepts any (an AWS CLI entry whose profile names none).</param>
    /// <param name="maxLifetime">The longest session STS issues for this call, as far as is known when the hop is set up.</param>
    /// <param name="learnedChained">
    /// Whether the hop has since been found to be chained (STS refused a longer duration for role chaining): its entries
    /// then last at most STS's chaining cap too. <see langword="null"/> when that cannot change.
    /// </param>
    public SessionEntryCheck(string? roleArn, string? sessionName, TimeSpan maxLifetime, Func<bool>? learnedChained = null)
    {
        SessionName = sessionName;
        MaxLifetime = maxLifetime;
        _learnedChained = learnedChained;
        if (roleArn is not null)
        {
            // arn:PARTITION:iam::ACCOUNT:role/[path/]NAME
            var parts = roleArn.Split(':', 6);
            _partition = parts.Length == 6 ? parts[1] : null;
            _account = parts.Length == 6 ? parts[4] : null;
            _roleName = parts.Length == 6 ? parts[5][(parts[5].LastIndexOf('/') + 1)..] : null;
            RoleArn = roleArn;
        }
    }

    public string? RoleArn { get; }

    public string? SessionName { get; }

    public TimeSpan MaxLifetime { get; }

    /// <summary>
    /// The longest lifetime STS gives an AssumeRole call: the requested duration, else STS's default of one hour (which
    /// the role's MaxSessionDuration does not change); at most one hour for a chained hop (its source is a role
    /// session), whatever was requested.
    /// </summary>
    public static TimeSpan MaxAssumeRoleLifetime(int? durationSeconds, bool chained)
    {
        var seconds = durationSeconds ?? AssumeRoleDefaults.StsDefaultDurationSeconds;
        return TimeSpan.FromSeconds(chained ? Math.Min(seconds, Validation.StsConstraints.ChainedMaxDuration) : seconds);
    }

    /// <summary>Returns <see langword="null"/> when <paramref name="entry"/> may be used, else why not.</summary>
    /// <param name="entry">The entry, with its <see cref="StsCredentials.IssuedAt"/>.</param>
    /// <param name="stsNow">STS's current time as this process estimates it.</param>
    public string? Check(StsCredentials entry, DateTimeOffset stsNow)
    {
        if (entry.IssuedAt is not { } issuedAt)
        {
            return "it carries no issue time on STS's clock";
        }

        if (RoleArn is null)
        {
            if (entry.AssumedRoleArn is not null)
            {
                return "it is an assumed-role session where a GetSessionToken session was expected";
            }
        }
        else if (!IsExpectedSessionArn(entry.AssumedRoleArn))
        {
            return SessionName is null
                ? "its assumed-role ARN names another role or account"
                : "its assumed-role ARN names another role, account or session name";
        }

        var lifetime = entry.ExpirationUtc - issuedAt.UtcDateTime;
        if (lifetime <= TimeSpan.Zero)
        {
            return "it expires before it was issued";
        }

        var max = MaxLifetime > ChainedMaxLifetime && _learnedChained?.Invoke() == true ? ChainedMaxLifetime : MaxLifetime;
        if (lifetime > max + Tolerance)
        {
            return string.Create(CultureInfo.InvariantCulture, $"it lasts {lifetime.TotalSeconds:F0} s, longer than STS issues for this call ({max.TotalSeconds:F0} s)");
        }

        if (issuedAt > stsNow + Tolerance)
        {
            return "it was issued after STS's current time";
        }

        return null;
    }

    /// <summary><c>arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION</c> with this hop's partition, account, role name and session name.</summary>
    private bool IsExpectedSessionArn(string? arn)
    {
        if (arn is null || _roleName is null)
        {
            return false;
        }

        var parts = arn.Split(':', 6);
        if (parts.Length != 6 || parts[0] != "arn" || parts[1] != _partition || parts[2] != "sts" || parts[3].Length != 0 || parts[4] != _account)
        {
            return false;
        }

        var resource = parts[5].Split('/');
        return resource.Length == 3
            && resource[0] == "assumed-role"
            // IAM role names are unique ignoring case within an account, and STS may spell the name as IAM stores it.
            && string.Equals(resource[1], _roleName, StringComparison.OrdinalIgnoreCase)
            && (SessionName is null ? SessionNamePattern().IsMatch(resource[2]) : string.Equals(resource[2], SessionName, StringComparison.Ordinal));
    }

    // STS's pattern is a Java \w, which is ASCII (.NET's \w would let any Unicode letter through).
    [GeneratedRegex(@"^[A-Za-z0-9_+=,.@-]{2,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex SessionNamePattern();
}
