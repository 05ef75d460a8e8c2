using System.Globalization;
using System.Text;
using System.Text.Json;
using AssumeRole.Extensions.Testing.Calls;
using AssumeRole.Extensions.Testing.Iam;
using AssumeRole.Extensions.Testing.Protocol;

namespace AssumeRole.Extensions.Testing.Actions;

/// <summary>AssumeRoleWithWebIdentity: unsigned; the token is checked by a test-supplied validator.</summary>
internal sealed partial class StsService
{
    private const string WebIdentityAction = "AssumeRoleWithWebIdentity";

    private byte[] AssumeRoleWithWebIdentity(SessionRequest request, CallRecordBuilder record)
    {
        var errors = new ValidationErrors();
        SessionRequestValidator.ValidateRoleArnAndSessionName(errors, request);
        errors.Required("webIdentityToken", request.WebIdentityToken);
        errors.Length("webIdentityToken", request.WebIdentityToken, 4, 20000);
        errors.Length("providerId", request.ProviderId, 4, 2048);
        SessionRequestValidator.ValidateSessionPolicies(errors, request);
        SessionRequestValidator.ValidateDuration(errors, request, StsDefaults.MinDurationSeconds, StsDefaults.MaxDurationSeconds);
        errors.ThrowIfAny();

        var arn = SessionRequestValidator.CheckSemantics(request);
        var packedSize = SessionRequestValidator.CheckPolicy(request);
        var token = request.WebIdentityToken!;
        switch (WebIdentityTokenValidator?.Invoke(token) ?? WebIdentityTokenStatus.Valid)
        {
            case WebIdentityTokenStatus.Invalid:
                throw new StsException(400, "InvalidIdentityToken", "The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.");
            case WebIdentityTokenStatus.Expired:
                throw new StsException(400, "ExpiredTokenException", "Token expired: the web identity token that was passed is expired or is not valid. Get a new identity token from the identity provider and then retry the request.");
        }

        var role = _iam.FindRole(arn.Value);
        if (role is null || !role.TrustWebIdentity)
        {
            throw StsErrors.AccessDeniedMessage("Not authorized to perform sts:AssumeRoleWithWebIdentity");
        }

        var duration = request.DurationSeconds ?? StsDefaults.DefaultDurationSeconds;
        if (duration > role.MaxSessionDuration.TotalSeconds)
        {
            throw StsErrors.MaxSessionDurationExceeded();
        }

        var claims = TokenClaims.Read(token);
        record.CallerArn = claims.Subject;
        var session = IssueRoleSession(SessionKind.WebIdentity, arn, role, request.RoleSessionName!, duration, [], null, false, record);

        return StsXml.Success(WebIdentityAction, record.RequestId, writer =>
        {
            StsXml.WriteCredentials(writer, session);
            writer.WriteElementString("SubjectFromWebIdentityToken", claims.Subject);
            StsXml.WriteAssumedRoleUser(writer, session);
            if (packedSize is { } size)
            {
                writer.WriteElementString("PackedPolicySize", size.ToString(CultureInfo.InvariantCulture));
            }

            writer.WriteElementString("Provider", request.ProviderId ?? claims.Issuer);
            writer.WriteElementString("Audience", claims.Audience);
        });
    }

    /// <summary>
    /// The claims STS echoes back. Tokens that are JWTs give their <c>sub</c>, <c>aud</c> and <c>iss</c> (without
    /// the scheme, as STS reports the provider); any other token gets fixed placeholders.
    /// </summary>
    private sealed record TokenClaims(string Subject, string Audience, string Issuer)
    {
        private static readonly TokenClaims Placeholder = new("web-identity-subject", "sts.amazonaws.com", "oidc.emulator.local");

        public static TokenClaims Read(string token)
        {
            var parts = token.Split('.');
            if (parts.Length != 3)
            {
                return Placeholder;
            }

            try
            {
                var payload = parts[1].Replace('-', '+').Replace('_', '/');
                payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
                using var document = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(payload)));
                var root = document.RootElement;
                return new TokenClaims(
                    Text(root, "sub") ?? Placeholder.Subject,
                    Text(root, "aud") ?? Placeholder.Audience,
                    Text(root, "iss") is { } issuer ? StripScheme(issuer) : Placeholder.Issuer);
            }
            catch (Exception exception) when (exception is FormatException or JsonException)
            {
                return Placeholder;
            }
        }

        private static string? Text(JsonElement root, string name)
        {
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(name, out var value))
            {
                return null;
            }

            return value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Array when value.GetArrayLength() > 0 && value[0].ValueKind == JsonValueKind.String => value[0].GetString(),
                _ => null,
            };
        }

        private static string StripScheme(string issuer) =>
            issuer.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ? issuer["https://".Length..] : issuer;
    }
}
