using System.Text.Json.Serialization;

namespace AssumeRole.Extensions.Testing.Server;

/// <summary>The JSON file the emulator process is configured from (see the Testing README): plain data, no logic.</summary>
internal sealed record EmulatorConfig
{
    /// <summary>Gets the loopback port; <see langword="null"/> or 0 picks a free one (printed on start).</summary>
    public int? Port { get; init; }

    public string? Region { get; init; }

    public string? AccountId { get; init; }

    public bool? RequireSigningRegion { get; init; }

    public TimeSpan? AllowedClockSkew { get; init; }

    public List<UserConfig>? Users { get; init; }

    public List<RoleConfig>? Roles { get; init; }
}

/// <summary>An IAM user; give <see cref="AccessKeyId"/> and <see cref="SecretAccessKey"/> to fix its keys.</summary>
internal sealed record UserConfig
{
    public required string Name { get; init; }

    public string? AccountId { get; init; }

    public string? AccessKeyId { get; init; }

    public string? SecretAccessKey { get; init; }

    public MfaConfig? Mfa { get; init; }
}

/// <summary>A virtual MFA device and the one-time codes it accepts.</summary>
internal sealed record MfaConfig
{
    public required string SerialNumber { get; init; }

    public List<string>? Codes { get; init; }
}

/// <summary>A role and its trust policy.</summary>
internal sealed record RoleConfig
{
    public required string Arn { get; init; }

    public List<string>? TrustedPrincipals { get; init; }

    public int? MaxSessionDurationSeconds { get; init; }

    public string? RequiredExternalId { get; init; }

    public TimeSpan? SessionLifetime { get; init; }

    public bool? TrustWebIdentity { get; init; }

    public bool RequireMfa { get; init; }

    public bool AllowSessionTags { get; init; }

    public bool AllowSourceIdentity { get; init; }
}

/// <summary>Source-generated JSON metadata (no reflection), comments and trailing commas allowed.</summary>
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(EmulatorConfig))]
internal sealed partial class EmulatorConfigContext : JsonSerializerContext;
