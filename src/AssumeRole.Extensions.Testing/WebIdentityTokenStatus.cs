namespace AssumeRole.Extensions.Testing;

/// <summary>The verdict of <see cref="StsEmulator.WebIdentityTokenValidator"/> on a web identity token.</summary>
public enum WebIdentityTokenStatus
{
    /// <summary>The token is accepted.</summary>
    Valid,

    /// <summary>The token is rejected with 400 <c>InvalidIdentityToken</c>.</summary>
    Invalid,

    /// <summary>The token is rejected with 400 <c>ExpiredTokenException</c>.</summary>
    Expired,
}
