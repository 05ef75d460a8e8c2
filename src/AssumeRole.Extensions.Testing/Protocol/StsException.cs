namespace AssumeRole.Extensions.Testing.Protocol;

/// <summary>An STS error response: HTTP status, error type, code and message, thrown by actions and written as XML.</summary>
internal sealed class StsException : Exception
{
    public StsException(int statusCode, string code, string message)
        : base(message)
    {
        StatusCode = statusCode;
        Code = code;
    }

    public int StatusCode { get; }

    public string Code { get; }

    /// <summary>Gets the error type: AWS marks server-side failures (5xx) <c>Receiver</c> and the rest <c>Sender</c>.</summary>
    public string Type => StatusCode >= 500 ? "Receiver" : "Sender";
}
