namespace AssumeRole.Extensions.Caching;

/// <summary>
/// Whether a group is a user's private group (Debian/Ubuntu's "user private groups": a group named like the user with
/// no other members), the one case where Debian's OpenSSH accepts a group-writable <c>~/.ssh</c>.
/// </summary>
internal static class UserPrivateGroup
{
    /// <summary>
    /// Whether group <paramref name="groupId"/> is named like user <paramref name="userId"/> and lists no member other
    /// than that user, read from <c>/etc/group</c> and <c>/etc/passwd</c>. Anything unreadable or not found is "no".
    /// </summary>
    public static bool Is(uint groupId, uint userId)
    {
        try
        {
            var user = Find("/etc/passwd", userId);
            var group = Find("/etc/group", groupId);
            if (user is null || group is null || !string.Equals(user[0], group[0], StringComparison.Ordinal))
            {
                return false;
            }

            // group line: name:password:gid:member,member
            var members = group.Length > 3 ? group[3].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
            return members.All(m => string.Equals(m, user[0], StringComparison.Ordinal));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The fields of the first line of <paramref name="file"/> whose third field is <paramref name="id"/>.</summary>
    private static string[]? Find(string file, uint id)
    {
        var text = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var line in File.ReadLines(file))
        {
            var fields = line.Split(':');
            if (fields.Length >= 3 && !line.StartsWith('#') && string.Equals(fields[2], text, StringComparison.Ordinal))
            {
                return fields;
            }
        }

        return null;
    }
}
