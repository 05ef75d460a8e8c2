namespace AssumeRole.Extensions.Testing.Iam;

/// <summary>A virtual MFA device: a serial number and a check for its one-time codes.</summary>
internal sealed record MfaDevice(string SerialNumber, Func<string, bool> IsValidCode);
