using AssumeRole.Extensions.Validation;

namespace AssumeRole.Extensions.Sts;

/// <summary>
/// Asks the user's callback for an MFA code, under a bound, and checks its shape before STS sees it (the code is never
/// echoed).
/// </summary>
internal static class MfaCode
{
    /// <summary>
    /// Returns a six-digit code from <paramref name="provider"/>. A provider that has not answered within
    /// <paramref name="timeout"/> fails with <c>MfaTokenCodeTimeout</c> (transient: it is asked again at the next
    /// refresh) and is abandoned — its eventual outcome is observed, never used. One that throws fails with
    /// <c>MfaTokenCodeProviderFailed</c>, naming only the exception's type, transient as well: a prompt closed or a prompt
    /// service briefly unreachable says nothing about the next prompt, which the next refresh (or caller) asks for.
    /// </summary>
    public static async ValueTask<string> GetAsync(
        Func<CancellationToken, ValueTask<string>>? provider,
        string serial,
        string roleArn,
        int hop,
        int hopCount,
        TimeSpan timeout,
        TimeProvider timeProvider,
        CancellationToken cancellationToken)
    {
        if (provider is null)
        {
            throw new AssumeRoleException(roleArn, hop, hopCount, "MfaTokenCodeMissing", null, null, isTransient: false,
                $"MFA device {serial} is configured but no TokenCodeProvider is set: STS needs a fresh six-digit code for this call.", null);
        }

        string? code;
        Task<string>? pending = null;

        // The prompt's own token: cancelled when the prompt is abandoned (timed out, or the refresh cancelled), so that
        // a provider that honours it closes its dialog instead of piling up behind the next prompt.
        var prompt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var abandoned = false;
        try
        {
            var answer = provider(prompt.Token);
            if (answer.IsCompleted)
            {
                code = answer.Result;
            }
            else
            {
                pending = answer.AsTask();
                code = await pending.WaitAsync(timeout, timeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (TimeoutException) when (pending is not null && !pending.IsCompleted)
        {
            abandoned = true;
            Abandon(pending, prompt);
            throw new AssumeRoleException(roleArn, hop, hopCount, "MfaTokenCodeTimeout", null, null, isTransient: true,
                $"TokenCodeProvider for MFA device {serial} did not return a code within {timeout.TotalSeconds:F0} s (MfaTokenCodeTimeout); "
                + "it will be asked again at the next refresh.", null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (pending is not null && !pending.IsCompleted)
            {
                abandoned = true;
                Abandon(pending, prompt);
            }

            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Only the type: the callback's message may quote what the user typed. A cancellation that is not ours (a
            // timeout inside the callback) is the callback's failure too.
            throw new AssumeRoleException(roleArn, hop, hopCount, "MfaTokenCodeProviderFailed", null, null, isTransient: true,
                $"TokenCodeProvider for MFA device {serial} threw {ex.GetType().Name}.", null);
        }
        finally
        {
            if (!abandoned)
            {
                prompt.Dispose(); // the provider is done with it; an abandoned one is disposed when it ends (Abandon)
            }
        }

        code = code?.Trim();

        // Six ASCII digits: STS's pattern is [\d]* in Java, where \d is [0-9] (not Arabic-Indic or fullwidth digits).
        if (code is null || !StsConstraints.TokenCode.IsValid(code))
        {
            throw new AssumeRoleException(roleArn, hop, hopCount, "MfaTokenCodeInvalid", null, null, isTransient: false,
                $"TokenCodeProvider for MFA device {serial} returned something other than six digits (value not shown).", null);
        }

        return code;
    }

    /// <summary>
    /// Tells a prompt nobody waits for any more to stop (its token), and observes its outcome so that it never becomes
    /// an unobserved task exception; its token source is disposed once it has ended.
    /// </summary>
    private static void Abandon(Task<string> pending, CancellationTokenSource prompt)
    {
        try
        {
            prompt.Cancel();
        }
        catch (Exception)
        {
            // A callback the provider registered on its token threw: the prompt is abandoned all the same.
        }

        _ = pending.ContinueWith(
            static (t, s) =>
            {
                _ = t.Exception;
                ((CancellationTokenSource)s!).Dispose();
            },
            prompt,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }
}
