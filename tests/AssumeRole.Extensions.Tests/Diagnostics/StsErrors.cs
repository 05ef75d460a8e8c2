using System.Net;
using AssumeRole.Extensions.Sts;

namespace AssumeRole.Extensions.Tests.Diagnostics;

/// <summary>STS failures the diagnostics tests script, beside those <see cref="Fakes.FakeSts"/> offers.</summary>
internal static class StsErrors
{
    public static StsCallException ExpiredToken() =>
        new("ExpiredToken", "The security token included in the request is expired", HttpStatusCode.BadRequest, "req-expired", isTransient: false);

    public static StsCallException MaxSessionDuration() =>
        new("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", HttpStatusCode.BadRequest, "req-maxdur", isTransient: false);

    /// <summary>STS repeats an invalid value in its message, which is how an external ID could leak.</summary>
    public static StsCallException ValidationEcho(string externalId) =>
        new("ValidationError", $"1 validation error detected: Value '{externalId}' at 'externalId' failed to satisfy constraint", HttpStatusCode.BadRequest, "req-echo", isTransient: false);
}
