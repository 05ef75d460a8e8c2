using AssumeRole.Extensions.Validation;

namespace AssumeRole.Extensions.Sts;

/// <summary>Asks the user's callback for an MFA code and checks its shape before STS sees it (the code is never echoed).</summary>
internal static class MfaCode
{
    public static async ValueTask<string> GetAsync(
        Func<CancellationToken, ValueTask<string>>? provider, string serial, string roleArn, int hop, int hopCount, CancellationToken cancellationToken)
    {
        if (provider is null)
        {
            throw new AssumeRoleException(roleArn, hop, hopCount, "MfaTokenCodeMissing", null, null, isTransient: false,
                $"MFA device {serial} is configured but no TokenCodeProvider is set: STS needs a fresh six-digit code for this call.", null);
        }

        string? code;
        try
        {
            code = (await provider(cancellationToken).ConfigureAwait(false))?.Trim();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Only the type: the callback's message may quote what the user typed. A cancellation that is not ours (a
            // timeout inside the callback) is the callback's failure too.
            throw new AssumeRoleException(roleArn, hop, hopCount, "MfaTokenCodeProviderFailed", null, null, isTransient: false,
                $"TokenCodeProvider for MFA device {serial} threw {ex.GetType().Name}.", null);
        }

        // Six ASCII digits: STS's pattern is [\d]* in Java, where \d is [0-9] (not Arabic-Indic or fullwidth digits).
        if (code is null || !StsConstraints.TokenCode.IsValid(code))
        {
            throw new AssumeRoleException(roleArn, hop, hopCount, "MfaTokenCodeInvalid", null, null, isTransient: false,
                $"TokenCodeProvider for MFA device {serial} returned something other than six digits (value not shown).", null);
        }

        return code;
    }
}
