using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AssumeRole.Extensions.Testing.Iam;
using AssumeRole.Extensions.Testing.Protocol;

namespace AssumeRole.Extensions.Testing.Signing;

/// <summary>
/// Authenticates a request as STS does: the access key and session token first (InvalidClientTokenId,
/// ExpiredToken), then the clock skew, then the signature (SignatureDoesNotMatch).
/// </summary>
internal sealed class SigV4Verifier
{
    private const string Service = "sts";

    private readonly IamStore _iam;
    private readonly TimeProvider _time;
    private readonly StsEmulatorOptions _options;

    public SigV4Verifier(IamStore iam, TimeProvider time, StsEmulatorOptions options)
    {
        _iam = iam;
        _time = time;
        _options = options;
    }

    public Caller Verify(SignedRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(authorization))
        {
            throw StsErrors.MissingAuthenticationToken();
        }

        if (!AuthorizationHeader.TryParse(authorization, out var header, out var parseError))
        {
            throw StsErrors.IncompleteSignature(parseError);
        }

        var caller = Authenticate(header.AccessKeyId, request.Headers["X-Amz-Security-Token"].ToString());
        CheckScope(header);
        var requestTime = CheckRequestTime(request, header);
        CheckSignature(request, header, requestTime, caller.Session?.SecretAccessKey ?? caller.User!.SecretAccessKey);
        return caller;
    }

    private Caller Authenticate(string accessKeyId, string sessionToken)
    {
        if (_iam.FindUser(accessKeyId) is { } user)
        {
            // A session token sent with a long-term key is not bound to it.
            if (sessionToken.Length > 0)
            {
                throw StsErrors.InvalidClientTokenId();
            }

            return Caller.ForUser(user);
        }

        if (_iam.FindSession(accessKeyId) is { } session)
        {
            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sessionToken), Encoding.UTF8.GetBytes(session.SessionToken)))
            {
                throw StsErrors.InvalidClientTokenId();
            }

            if (_time.GetUtcNow() >= session.Expiration)
            {
                throw StsErrors.ExpiredToken();
            }

            return Caller.ForSession(session);
        }

        throw StsErrors.InvalidClientTokenId();
    }

    private void CheckScope(AuthorizationHeader header)
    {
        if (!string.Equals(header.Service, Service, StringComparison.Ordinal))
        {
            throw StsErrors.SignatureDoesNotMatch($"Credential should be scoped to correct service: '{Service}'. ");
        }

        if (_options.RequireSigningRegion && !string.Equals(header.Region, _options.Region, StringComparison.Ordinal))
        {
            throw StsErrors.SignatureDoesNotMatch($"Credential should be scoped to a valid region, not '{header.Region}'. ");
        }
    }

    private DateTimeOffset CheckRequestTime(SignedRequest request, AuthorizationHeader header)
    {
        var amzDate = request.Headers["X-Amz-Date"].ToString();
        DateTimeOffset requestTime;
        if (amzDate.Length > 0)
        {
            if (!SigV4.TryParseAmzDate(amzDate, out requestTime))
            {
                throw StsErrors.IncompleteSignature($"Date must be in ISO-8601 'basic format'. Got '{amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601");
            }
        }
        else if (!DateTimeOffset.TryParseExact(request.Headers.Date.ToString(), "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out requestTime))
        {
            throw StsErrors.IncompleteSignature("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" + request.Headers.Authorization);
        }

        // Clients sign with the machine's clock until a response's Date header (the emulator clock) makes the AWS SDK
        // correct its clock by the offset it saw then; a fake clock that moved on since leaves the client anywhere
        // between the two. By default that whole span is accepted (see StsEmulatorOptions.SigningClock).
        var skew = _options.AllowedClockSkew;
        DateTimeOffset earliest, latest;
        if (_options.SigningClock is { } signingClock)
        {
            earliest = latest = signingClock.GetUtcNow();
        }
        else
        {
            var (real, emulated) = (TimeProvider.System.GetUtcNow(), _time.GetUtcNow());
            (earliest, latest) = real <= emulated ? (real, emulated) : (emulated, real);
        }

        var minutes = ((int)skew.TotalMinutes).ToString(CultureInfo.InvariantCulture);
        if (requestTime < earliest - skew)
        {
            throw StsErrors.SignatureDoesNotMatch(
                $"Signature expired: {SigV4.FormatAmzDate(requestTime)} is now earlier than {SigV4.FormatAmzDate(earliest - skew)} ({SigV4.FormatAmzDate(earliest)} - {minutes} min.)");
        }

        if (requestTime > latest + skew)
        {
            throw StsErrors.SignatureDoesNotMatch(
                $"Signature not yet current: {SigV4.FormatAmzDate(requestTime)} is still later than {SigV4.FormatAmzDate(latest + skew)} ({SigV4.FormatAmzDate(latest)} + {minutes} min.)");
        }

        return CheckScopeDate(header, requestTime);
    }

    private static DateTimeOffset CheckScopeDate(AuthorizationHeader header, DateTimeOffset requestTime)
    {
        var requestDate = requestTime.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        if (!string.Equals(header.ScopeDate, requestDate, StringComparison.Ordinal))
        {
            throw StsErrors.SignatureDoesNotMatch(
                $"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{header.ScopeDate}' != '{requestDate}', from '{SigV4.FormatAmzDate(requestTime)}'.");
        }

        return requestTime;
    }

    private static void CheckSignature(SignedRequest request, AuthorizationHeader header, DateTimeOffset requestTime, string secretAccessKey)
    {
        var names = header.SignedHeaderNames;
        if (!names.Contains("host", StringComparer.Ordinal))
        {
            throw StsErrors.SignatureDoesNotMatch("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
        }

        var expected = ComputeSignature(request, header, SigV4.FormatAmzDate(requestTime), secretAccessKey);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(header.Signature)))
        {
            throw StsErrors.SignatureDoesNotMatch();
        }
    }

    /// <summary>Recomputes the signature the client should have sent; internal so the AWS test vectors can check it.</summary>
    internal static string ComputeSignature(SignedRequest request, AuthorizationHeader header, string amzDate, string secretAccessKey)
    {
        var canonicalHeaders = header.SignedHeaderNames
            .Select(name => KeyValuePair.Create(name, SigV4.CanonicalHeaderValue(request.Headers[name])));
        var canonicalRequest = SigV4.CanonicalRequest(
            request.Method,
            SigV4.CanonicalUri(request.RawPath),
            SigV4.CanonicalQuery(request.RawQuery),
            canonicalHeaders,
            header.SignedHeaders,
            SigV4.Sha256Hex(request.Body));
        var stringToSign = SigV4.StringToSign(amzDate, header.CredentialScope, canonicalRequest);
        var key = SigV4.SigningKey(secretAccessKey, header.ScopeDate, header.Region, header.Service);
        return SigV4.Signature(key, stringToSign);
    }
}
