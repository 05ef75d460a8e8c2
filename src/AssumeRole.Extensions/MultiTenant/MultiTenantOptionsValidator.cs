using Microsoft.Extensions.Options;

namespace AssumeRole.Extensions.MultiTenant;

/// <summary>Checks the DataAnnotations of <see cref="MultiTenantOptions"/> (source-generated, no reflection).</summary>
[OptionsValidator]
internal sealed partial class MultiTenantOptionsValidator : IValidateOptions<MultiTenantOptions>;
