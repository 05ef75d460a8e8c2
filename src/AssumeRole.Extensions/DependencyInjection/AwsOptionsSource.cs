using Microsoft.Extensions.DependencyInjection;

namespace AssumeRole.Extensions.DependencyInjection;

/// <summary>
/// Registered with the default role: the app's <c>AWSOptions</c> registration that the default role's
/// <c>AWSOptions</c> wraps (<see langword="null"/> when the app registered none before <c>AddAssumeRole</c>).
/// </summary>
internal sealed record AwsOptionsSource(ServiceDescriptor? Registration);
