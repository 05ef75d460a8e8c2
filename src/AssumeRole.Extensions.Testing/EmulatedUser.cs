using AssumeRole.Extensions.Testing.Iam;

namespace AssumeRole.Extensions.Testing;

/// <summary>
/// An IAM user known to the <see cref="StsEmulator"/>, with one long-term (<c>AKIA…</c>) access key.
/// </summary>
/// <remarks>
/// The secret is exposed on purpose, so that tests can build AWS SDK credentials from it; <see cref="ToString"/>
/// shows only the ARN.
/// </remarks>
public sealed class EmulatedUser
{
    private volatile MfaDevice? _mfaDevice;

    internal EmulatedUser(string userName, string accountId, string userId, string accessKeyId, string secretAccessKey)
    {
        UserName = userName;
        AccountId = accountId;
        UserId = userId;
        AccessKeyId = accessKeyId;
        SecretAccessKey = secretAccessKey;
        Arn = $"arn:aws:iam::{accountId}:user/{userName}";
    }

    /// <summary>Gets the user name.</summary>
    public string UserName { get; }

    /// <summary>Gets the 12-digit account the user belongs to.</summary>
    public string AccountId { get; }

    /// <summary>Gets the unique user id (<c>AIDA…</c>), as GetCallerIdentity reports it.</summary>
    public string UserId { get; }

    /// <summary>Gets the user ARN, <c>arn:aws:iam::ACCOUNT:user/NAME</c>.</summary>
    public string Arn { get; }

    /// <summary>Gets the long-term access key id (<c>AKIA…</c>, 20 characters).</summary>
    public string AccessKeyId { get; }

    /// <summary>Gets the secret access key (40 characters).</summary>
    public string SecretAccessKey { get; }

    /// <summary>Gets the serial number of the user's MFA device, or <see langword="null"/> when none is enabled.</summary>
    public string? MfaSerialNumber => _mfaDevice?.SerialNumber;

    internal MfaDevice? MfaDevice => _mfaDevice;

    /// <summary>
    /// Enables a virtual MFA device for the user: GetSessionToken and AssumeRole calls of this user may send its
    /// <c>SerialNumber</c> with one of its codes (a serial that is not the caller's device is refused, as in STS).
    /// </summary>
    /// <param name="serialNumber">The device serial, usually <c>arn:aws:iam::ACCOUNT:mfa/NAME</c>.</param>
    /// <param name="acceptedCodes">The six-digit codes the device accepts; each can be used once, as in AWS.</param>
    /// <returns>This user.</returns>
    public EmulatedUser EnableMfaDevice(string serialNumber, params string[] acceptedCodes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serialNumber);
        ArgumentNullException.ThrowIfNull(acceptedCodes);
        var codes = new HashSet<string>(acceptedCodes, StringComparer.Ordinal);
        _mfaDevice = new MfaDevice(serialNumber, codes.Contains);
        return this;
    }

    /// <summary>Enables a virtual MFA device whose codes are checked by <paramref name="isValidCode"/>.</summary>
    /// <param name="serialNumber">The device serial.</param>
    /// <param name="isValidCode">Returns <see langword="true"/> for a code the device accepts.</param>
    /// <returns>This user.</returns>
    public EmulatedUser EnableMfaDevice(string serialNumber, Func<string, bool> isValidCode)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serialNumber);
        ArgumentNullException.ThrowIfNull(isValidCode);
        _mfaDevice = new MfaDevice(serialNumber, isValidCode);
        return this;
    }

    /// <summary>Returns the user ARN.</summary>
    /// <returns>The user ARN.</returns>
    public override string ToString() => Arn;
}
