namespace AssumeRole.Extensions.MultiTenant;

/// <summary>Identifies a tenant provider. The external ID is part of the key but never of its text.</summary>
internal readonly record struct TenantKey(string RoleArn, string? ExternalId, string? RoleSessionName)
{
    public override string ToString() => $"TenantKey {{ RoleArn = {RoleArn}, RoleSessionName = {RoleSessionName} }}";
}
