namespace AssumeRole.Extensions.DependencyInjection;

/// <summary>A named role that has SDK clients (<c>builder.AddAWSService&lt;T&gt;()</c>): their options are checked at start-up.</summary>
internal sealed record AssumeRoleClientRegistration(string Name);
