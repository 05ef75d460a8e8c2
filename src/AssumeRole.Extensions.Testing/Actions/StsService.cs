using AssumeRole.Extensions.Testing.Calls;
using AssumeRole.Extensions.Testing.Iam;
using AssumeRole.Extensions.Testing.Protocol;
using AssumeRole.Extensions.Testing.Signing;

namespace AssumeRole.Extensions.Testing.Actions;

/// <summary>The STS actions: authenticates a parsed request (unless the action is unsigned) and runs it.</summary>
internal sealed partial class StsService
{
    private readonly IamStore _iam;
    private readonly SigV4Verifier _verifier;
    private readonly TimeProvider _time;

    public StsService(IamStore iam, SigV4Verifier verifier, TimeProvider time)
    {
        _iam = iam;
        _verifier = verifier;
        _time = time;
    }

    /// <summary>Gets or sets the web identity token check; see <see cref="StsEmulator.WebIdentityTokenValidator"/>.</summary>
    public Func<string, WebIdentityTokenStatus>? WebIdentityTokenValidator { get; set; }

    /// <summary>Runs the request and returns the XML response body; throws <see cref="StsException"/> for STS errors.</summary>
    public byte[] Execute(SessionRequest request, SignedRequest signed, CallRecordBuilder record)
    {
        // What STS does before it looks at the caller: find the operation by action and version, then read the input.
        if (!string.Equals(request.Version, StsDefaults.ApiVersion, StringComparison.Ordinal))
        {
            throw StsErrors.InvalidAction(request.Action, request.Version);
        }

        if (request.DurationSecondsText is { } durationText && request.DurationSeconds is null)
        {
            // A value that is not an integer cannot be deserialized (published: a NaN duration gets MalformedInput,
            // aws-azure-login/aws-azure-login#30); an integer out of range is a ValidationError later.
            throw StsErrors.MalformedInput("DurationSeconds", durationText);
        }

        switch (request.Action)
        {
            case "AssumeRoleWithWebIdentity":
                // Unsigned in AWS: the web identity token is the credential.
                return AssumeRoleWithWebIdentity(request, record);
            case "AssumeRole":
            case "GetCallerIdentity":
            case "GetSessionToken":
                break;
            default:
                throw StsErrors.InvalidAction(request.Action);
        }

        var caller = _verifier.Verify(signed);
        record.CallerArn = caller.Arn;
        record.IsChained = caller.IsChained;
        return request.Action switch
        {
            "AssumeRole" => AssumeRole(request, caller, record),
            "GetSessionToken" => GetSessionToken(request, caller, record),
            _ => GetCallerIdentity(caller, record),
        };
    }

    private byte[] GetCallerIdentity(Caller caller, CallRecordBuilder record) =>
        StsXml.Success("GetCallerIdentity", record.RequestId, writer =>
        {
            writer.WriteElementString("UserId", caller.UserId);
            writer.WriteElementString("Account", caller.AccountId);
            writer.WriteElementString("Arn", caller.Arn);
        });

    /// <summary>Issues role-session credentials. STS stamps whole seconds, so the issue time is truncated.</summary>
    private IssuedSession IssueRoleSession(
        SessionKind kind,
        RoleArn arn,
        EmulatedRole role,
        string sessionName,
        int durationSeconds,
        IReadOnlyList<KeyValuePair<string, string>> transitiveTags,
        string? sourceIdentity,
        bool mfaAuthenticated,
        CallRecordBuilder record)
    {
        var issuedAt = TruncateToSeconds(_time.GetUtcNow());
        var session = new IssuedSession
        {
            Kind = kind,
            AccessKeyId = IdGenerator.TemporaryAccessKeyId(),
            SecretAccessKey = IdGenerator.SecretAccessKey(),
            SessionToken = IdGenerator.SessionToken(),
            IssuedAt = issuedAt,
            Expiration = issuedAt + (role.SessionLifetimeOverride ?? TimeSpan.FromSeconds(durationSeconds)),
            Arn = $"arn:{arn.Partition}:sts::{role.AccountId}:assumed-role/{role.RoleName}/{sessionName}",
            UserId = $"{role.RoleId}:{sessionName}",
            AccountId = role.AccountId,
            PrincipalArn = role.Arn,
            TransitiveTags = transitiveTags,
            SourceIdentity = sourceIdentity,
            MfaAuthenticated = mfaAuthenticated,
        };
        _iam.AddSession(session);
        record.IssuedAccessKeyId = session.AccessKeyId;
        record.IssuedExpiration = session.Expiration;
        return session;
    }

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset value) =>
        new(value.Ticks - (value.Ticks % TimeSpan.TicksPerSecond), value.Offset);
}
