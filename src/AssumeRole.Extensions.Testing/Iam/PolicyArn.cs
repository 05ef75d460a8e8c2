using System.Text.RegularExpressions;

namespace AssumeRole.Extensions.Testing.Iam;

/// <summary>A managed policy ARN, <c>arn:PARTITION:iam::(ACCOUNT|aws):policy/[path/]NAME</c> (IAM's path and name rules).</summary>
internal static partial class PolicyArn
{
    public static bool IsValid(string? value) => value is not null && Pattern().IsMatch(value);

    [GeneratedRegex(@"^arn:aws(?:-[a-z]+)*:iam::(?:[0-9]{12}|aws):policy/(?:[\x21-\x7E]+/)?[A-Za-z0-9_+=,.@-]{1,128}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
