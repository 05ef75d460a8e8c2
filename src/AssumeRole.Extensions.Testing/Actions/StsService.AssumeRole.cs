using System.Globalization;
using AssumeRole.Extensions.Testing.Calls;
using AssumeRole.Extensions.Testing.Iam;
using AssumeRole.Extensions.Testing.Protocol;

namespace AssumeRole.Extensions.Testing.Actions;

/// <summary>AssumeRole, with STS's checks in STS's order.</summary>
internal sealed partial class StsService
{
    private const string AssumeRoleAction = "AssumeRole";

    private byte[] AssumeRole(SessionRequest request, Caller caller, CallRecordBuilder record)
    {
        var errors = new ValidationErrors();
        SessionRequestValidator.ValidateRoleArnAndSessionName(errors, request);
        SessionRequestValidator.ValidateSessionPolicies(errors, request);
        SessionRequestValidator.ValidateDuration(errors, request, StsDefaults.MinDurationSeconds, StsDefaults.MaxDurationSeconds);
        SessionRequestValidator.ValidateTags(errors, request);
        SessionRequestValidator.ValidateAssumeRoleExtras(errors, request);
        errors.ThrowIfAny();

        var arn = SessionRequestValidator.CheckSemantics(request);
        var packedSize = SessionRequestValidator.CheckPolicy(request);

        var role = _iam.FindRole(arn.Value) ?? throw StsErrors.AccessDenied(caller.Arn, AssumeRoleAction, arn.Value);
        var duration = request.DurationSeconds ?? StsDefaults.DefaultDurationSeconds;
        if (duration > role.MaxSessionDuration.TotalSeconds)
        {
            throw StsErrors.MaxSessionDurationExceeded();
        }

        if (caller.IsChained && duration > StsDefaults.ChainedMaxDurationSeconds)
        {
            throw StsErrors.ChainedDurationExceeded();
        }

        if (!Trusts(role, caller))
        {
            throw StsErrors.AccessDenied(caller.Arn, AssumeRoleAction, role.Arn);
        }

        // Tags and a source identity need their own actions in the trust policy, also when they only come down the
        // chain from the caller's session (IAM User Guide: "Passing session tags in AWS STS", permissions required and
        // role chaining; "Monitor and control actions taken with assumed roles", permissions for source identity).
        if (!role.AllowSessionTags && (request.TagPairs.Count > 0 || caller.Session?.TransitiveTags is { Count: > 0 }))
        {
            throw StsErrors.AccessDenied(caller.Arn, "TagSession", role.Arn);
        }

        if (!role.AllowSourceIdentity && (request.SourceIdentity is not null || caller.Session?.SourceIdentity is not null))
        {
            throw StsErrors.AccessDenied(caller.Arn, "SetSourceIdentity", role.Arn);
        }

        if (role.RequiredExternalId is { } externalId && !string.Equals(externalId, request.ExternalId, StringComparison.Ordinal))
        {
            throw StsErrors.AccessDenied(caller.Arn, AssumeRoleAction, role.Arn);
        }

        var mfaAuthenticated = CheckMfa(role, caller, request);
        var sourceIdentity = InheritSourceIdentity(caller, request);
        var transitiveTags = InheritTransitiveTags(caller, request);

        var session = IssueRoleSession(
            SessionKind.AssumedRole, arn, role, request.RoleSessionName!, duration, transitiveTags, sourceIdentity, mfaAuthenticated, record);

        return StsXml.Success(AssumeRoleAction, record.RequestId, writer =>
        {
            StsXml.WriteCredentials(writer, session);
            StsXml.WriteAssumedRoleUser(writer, session);
            if (packedSize is { } size)
            {
                writer.WriteElementString("PackedPolicySize", size.ToString(CultureInfo.InvariantCulture));
            }

            if (session.SourceIdentity is not null)
            {
                writer.WriteElementString("SourceIdentity", session.SourceIdentity);
            }
        });
    }

    /// <summary>
    /// The trust policy: a principal matches by its own ARN (a user, or a role for that role's sessions), by its exact
    /// session ARN, or by its account's root.
    /// </summary>
    private static bool Trusts(EmulatedRole role, Caller caller)
    {
        var accountRoot = $"arn:aws:iam::{caller.AccountId}:root";
        return role.TrustedPrincipals.Any(principal =>
            principal == "*" ||
            string.Equals(principal, caller.PrincipalArn, StringComparison.Ordinal) ||
            string.Equals(principal, caller.Arn, StringComparison.Ordinal) ||
            string.Equals(principal, accountRoot, StringComparison.Ordinal) ||
            string.Equals(principal, caller.AccountId, StringComparison.Ordinal));
    }

    /// <summary>
    /// MFA as STS checks it: a serial number and code sent with the call must belong to the <em>caller's</em> MFA
    /// device (whatever the role) and the code must be valid and unused; a role that requires MFA then accepts that
    /// call, or a caller whose session was itself created with MFA (<c>aws:MultiFactorAuthPresent</c> carries over).
    /// </summary>
    private bool CheckMfa(EmulatedRole role, Caller caller, SessionRequest request)
    {
        var mfaAuthenticated = caller.Session?.MfaAuthenticated == true;
        if (request.SerialNumber is { } serial && request.TokenCode is { } code)
        {
            // Only an IAM user has MFA devices; a GetSessionToken session acts as its user.
            var device = (caller.User ?? (caller.Session is { Kind: SessionKind.SessionToken } ? _iam.FindUserByArn(caller.Session.PrincipalArn) : null))?.MfaDevice;
            if (device is null || !string.Equals(device.SerialNumber, serial, StringComparison.Ordinal))
            {
                throw StsErrors.MfaDeviceNotAssociated();
            }

            if (!device.IsValidCode(code) || (!role.AllowMfaCodeReuse && !_iam.TryConsumeMfaCode(serial, code)))
            {
                throw StsErrors.InvalidMfaCode();
            }

            mfaAuthenticated = true;
        }

        return !role.RequiresMfa || mfaAuthenticated ? mfaAuthenticated : throw StsErrors.AccessDenied(caller.Arn, AssumeRoleAction, role.Arn);
    }

    private static string? InheritSourceIdentity(Caller caller, SessionRequest request)
    {
        var inherited = caller.Session?.SourceIdentity;
        if (inherited is not null && request.SourceIdentity is not null &&
            !string.Equals(inherited, request.SourceIdentity, StringComparison.Ordinal))
        {
            throw StsErrors.Validation("The source identity is already set for this assume role session");
        }

        return inherited ?? request.SourceIdentity;
    }

    /// <summary>Transitive tags of the calling session pass down; the request may not set one of their keys again.</summary>
    private static List<KeyValuePair<string, string>> InheritTransitiveTags(Caller caller, SessionRequest request)
    {
        var inherited = caller.Session?.TransitiveTags ?? [];
        var inheritedKeys = new HashSet<string>(inherited.Select(tag => tag.Key), StringComparer.OrdinalIgnoreCase);
        if (request.TagPairs.Any(tag => inheritedKeys.Contains(tag.Key)))
        {
            throw StsErrors.InvalidParameterValue(
                "One or more of the requested session tag keys are transitive tag keys of the calling session and cannot be set again.");
        }

        var transitiveKeys = new HashSet<string>(request.TransitiveTagKeys ?? [], StringComparer.OrdinalIgnoreCase);
        return [.. inherited, .. request.TagPairs.Where(tag => transitiveKeys.Contains(tag.Key))];
    }
}
