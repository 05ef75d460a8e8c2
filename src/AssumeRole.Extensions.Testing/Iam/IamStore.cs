using System.Collections.Concurrent;

namespace AssumeRole.Extensions.Testing.Iam;

/// <summary>The emulator's small IAM: users by access key, roles by ARN, and issued sessions by access key.</summary>
internal sealed class IamStore
{
    private readonly ConcurrentDictionary<string, EmulatedUser> _usersByAccessKey = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, EmulatedRole> _rolesByArn = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IssuedSession> _sessionsByAccessKey = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Serial, string Code), byte> _usedMfaCodes = new();

    /// <summary>Adds a user; <see langword="null"/> when the given access key id is taken (by a user or a session).</summary>
    public EmulatedUser? AddUser(string userName, string accountId, string? accessKeyId = null, string? secretAccessKey = null)
    {
        var user = new EmulatedUser(
            userName,
            accountId,
            IdGenerator.UserId(),
            accessKeyId ?? IdGenerator.LongTermAccessKeyId(),
            secretAccessKey ?? IdGenerator.SecretAccessKey());
        return !_sessionsByAccessKey.ContainsKey(user.AccessKeyId) && _usersByAccessKey.TryAdd(user.AccessKeyId, user) ? user : null;
    }

    public EmulatedRole AddRole(RoleArn arn, EmulatedRoleOptions options)
    {
        // Re-adding a role replaces its settings but keeps its id, as editing a role in IAM would.
        var roleId = _rolesByArn.TryGetValue(arn.Value, out var existing) ? existing.RoleId : IdGenerator.RoleId();
        var role = new EmulatedRole(arn, roleId, options);
        _rolesByArn[arn.Value] = role;
        return role;
    }

    public EmulatedRole? FindRole(string arn) => _rolesByArn.GetValueOrDefault(arn);

    public EmulatedUser? FindUser(string accessKeyId) => _usersByAccessKey.GetValueOrDefault(accessKeyId);

    public EmulatedUser? FindUserByArn(string arn) => _usersByAccessKey.Values.FirstOrDefault(user => string.Equals(user.Arn, arn, StringComparison.Ordinal));

    public IssuedSession? FindSession(string accessKeyId) => _sessionsByAccessKey.GetValueOrDefault(accessKeyId);

    public void AddSession(IssuedSession session) => _sessionsByAccessKey[session.AccessKeyId] = session;

    /// <summary>Marks a one-time MFA code as used; returns <see langword="false"/> when it had been used before.</summary>
    public bool TryConsumeMfaCode(string serialNumber, string tokenCode) => _usedMfaCodes.TryAdd((serialNumber, tokenCode), 0);
}
