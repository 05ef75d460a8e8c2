using AssumeRole.Extensions.Testing.Calls;
using AssumeRole.Extensions.Testing.Iam;
using AssumeRole.Extensions.Testing.Protocol;

namespace AssumeRole.Extensions.Testing.Actions;

/// <summary>GetSessionToken: temporary credentials for a user's long-term key, optionally with MFA.</summary>
internal sealed partial class StsService
{
    private byte[] GetSessionToken(SessionRequest request, Caller caller, CallRecordBuilder record)
    {
        var errors = new ValidationErrors();
        SessionRequestValidator.ValidateDuration(errors, request, StsDefaults.GetSessionTokenMinSeconds, StsDefaults.GetSessionTokenMaxSeconds);
        SessionRequestValidator.ValidateMfa(errors, request);
        errors.ThrowIfAny();

        if (caller.User is not { } user)
        {
            throw StsErrors.AccessDeniedMessage("Cannot call GetSessionToken with session credentials");
        }

        var mfaAuthenticated = false;
        if (request.SerialNumber is not null || request.TokenCode is not null)
        {
            var device = user.MfaDevice;
            if (device is null || request.SerialNumber != device.SerialNumber || request.TokenCode is not { } code ||
                !device.IsValidCode(code) || !_iam.TryConsumeMfaCode(device.SerialNumber, code))
            {
                throw StsErrors.InvalidMfaCode();
            }

            mfaAuthenticated = true;
        }

        var issuedAt = TruncateToSeconds(_time.GetUtcNow());
        var session = new IssuedSession
        {
            Kind = SessionKind.SessionToken,
            AccessKeyId = IdGenerator.TemporaryAccessKeyId(),
            SecretAccessKey = IdGenerator.SecretAccessKey(),
            SessionToken = IdGenerator.SessionToken(),
            IssuedAt = issuedAt,
            Expiration = issuedAt + TimeSpan.FromSeconds(request.DurationSeconds ?? StsDefaults.GetSessionTokenDefaultSeconds),

            // Requests signed with these credentials act as the user: GetCallerIdentity reports the user ARN.
            Arn = user.Arn,
            UserId = user.UserId,
            AccountId = user.AccountId,
            PrincipalArn = user.Arn,
            MfaAuthenticated = mfaAuthenticated,
        };
        _iam.AddSession(session);
        record.IssuedAccessKeyId = session.AccessKeyId;
        record.IssuedExpiration = session.Expiration;

        return StsXml.Success("GetSessionToken", record.RequestId, writer => StsXml.WriteCredentials(writer, session));
    }
}
