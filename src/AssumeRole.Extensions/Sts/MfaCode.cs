using System.Text.RegularExpressions;

namespace AssumeRole.Extensions.Sts;

/// <summary>Asks the user's callback for an MFA code and checks its shape before STS sees it (the code is never echoed).</summary>
internal static partial class MfaCode
{
    [GeneratedRegex(@"^\d{6}$", RegexOptions.CultureInvariant)]
    private static partial Regex SixDigits();

    public static async ValueTask<string> GetAsync(
        Func<CancellationToken, ValueTask<string>>? provider, string serial, string roleArn, int hop, int hopCount, CancellationToken cancellationToken)
    {
        if (provider is null)
        {
            throw new AssumeRoleException(roleArn, hop, hopCount, "MfaTokenCodeMissing", null, null, isTransient: false,
                $"MFA device {serial} is configured but no TokenCodeProvider is set: STS needs a fresh six-digit code for this call.", null);
        }

        var code = (await provider(cancellationToken).ConfigureAwait(false))?.Trim();
        if (code is null || !SixDigits().IsMatch(code))
        {
            throw new AssumeRoleException(roleArn, hop, hopCount, "MfaTokenCodeInvalid", null, null, isTransient: false,
                $"The TokenCodeProvider for MFA device {serial} returned something other than six digits (value not shown).", null);
        }

        return code;
    }
}
