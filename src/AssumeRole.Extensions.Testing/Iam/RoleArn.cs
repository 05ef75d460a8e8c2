using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace AssumeRole.Extensions.Testing.Iam;

/// <summary>A parsed <c>arn:PARTITION:iam::ACCOUNT:role/[path/]NAME</c>.</summary>
internal sealed partial record RoleArn(string Value, string Partition, string AccountId, string Path, string Name)
{
    public static bool TryParse(string? value, [NotNullWhen(true)] out RoleArn? arn)
    {
        arn = null;
        if (value is null)
        {
            return false;
        }

        var match = Pattern().Match(value);
        if (!match.Success)
        {
            return false;
        }

        var path = "/" + match.Groups["path"].Value;
        arn = new RoleArn(value, match.Groups["partition"].Value, match.Groups["account"].Value, path, match.Groups["name"].Value);
        return true;
    }

    // Partitions are "aws" and "aws-…" (aws-cn, aws-us-gov, aws-iso-b, aws-eusc, …); the account is 12 ASCII digits.
    // Role names are 1-64 of [\w+=,.@-] (ASCII \w, as in AWS's Java patterns); paths are /segments/ of printable ASCII without spaces.
    [GeneratedRegex(@"^arn:(?<partition>aws(?:-[a-z]+)*):iam::(?<account>[0-9]{12}):role/(?<path>(?:[\x21-\x7E]+/)?)(?<name>[A-Za-z0-9_+=,.@-]{1,64})\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
