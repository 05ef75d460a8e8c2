namespace AssumeRole.Extensions.DependencyInjection;

/// <summary>A role that <c>WithWarmUp()</c> asked to fetch at start-up.</summary>
internal sealed record AssumeRoleWarmUpRegistration(string Name);
