using Microsoft.Extensions.Configuration;

namespace AssumeRole.Extensions.DependencyInjection;

/// <summary>
/// A configuration section a role was bound to with <c>AddAssumeRole(section)</c>: validation at start-up names it
/// when it is missing or empty (a misspelled section name otherwise shows up only as "RoleArn is required").
/// </summary>
internal sealed record AssumeRoleSectionBinding(string Name, IConfiguration Section)
{
    /// <summary>Gets the section's path for messages (<c>AssumeRole:Roles:billing</c>).</summary>
    public string Path => Section is IConfigurationSection s ? s.Path : "(the configuration root)";

    /// <summary>Gets a value indicating whether the section has a value or any key below it.</summary>
    public bool Exists => Section is IConfigurationSection s ? s.Exists() : Section.GetChildren().Any();
}
