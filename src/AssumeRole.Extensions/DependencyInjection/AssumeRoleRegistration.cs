namespace AssumeRole.Extensions.DependencyInjection;

/// <summary>
/// One per registered role (a DI marker): tells the validator which named options are ours and the warm-up service
/// which roles exist. Registered once per name, so registering a role twice is harmless.
/// </summary>
internal sealed record AssumeRoleRegistration(string Name)
{
    /// <summary>What messages call the default role, whose options name is the empty string.</summary>
    public const string DefaultDisplayName = "default";

    /// <summary>The name used in messages: the default role has the empty name, which says nothing to a reader.</summary>
    public string DisplayName => Name.Length == 0 ? DefaultDisplayName : Name;
}
