namespace AssumeRole.Extensions.Binding;

/// <summary>
/// What configuration binds of one hop (<see cref="AssumeRoleHopOptions"/>): its plain-data properties, under the same
/// names and types. The configuration binder's source generator binds this type; it could not bind the options
/// themselves, which also hold a delegate (<see cref="AssumeRoleHopOptions.TokenCodeProvider"/>).
/// </summary>
/// <remarks>
/// Binding starts from a copy of the options' current values (<see cref="CopyFrom"/>) and copies the result back
/// (<see cref="ApplyTo"/>), so a key absent from configuration keeps what earlier configuration set, exactly as when
/// the reflection binder bound the options in place. The collections are the options' own instances: the binder appends
/// to them (or replaces them) as it would have.
/// </remarks>
internal class AssumeRoleHopSettings
{
    public string? RoleArn { get; set; }

    public string? RoleSessionName { get; set; }

    public string? ExternalId { get; set; }

    public int? DurationSeconds { get; set; }

    public string? Policy { get; set; }

    public IList<string> PolicyArns { get; set; } = [];

    public IDictionary<string, string> Tags { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public IList<string> TransitiveTagKeys { get; set; } = [];

    public string? SourceIdentity { get; set; }

    /// <summary>Plain data already: bound as the options type itself.</summary>
    public IList<AssumeRoleProvidedContext> ProvidedContexts { get; set; } = [];

    public string? MfaSerialNumber { get; set; }

    public string? Region { get; set; }

    public string? ServiceUrl { get; set; }

    /// <summary>A hop's settings with the hop's current values.</summary>
    public static AssumeRoleHopSettings Of(AssumeRoleHopOptions hop)
    {
        var settings = new AssumeRoleHopSettings();
        settings.CopyFrom(hop);
        return settings;
    }

    /// <summary>Takes the hop's current values (the collections by reference).</summary>
    protected void CopyFrom(AssumeRoleHopOptions hop)
    {
        RoleArn = hop.RoleArn;
        RoleSessionName = hop.RoleSessionName;
        ExternalId = hop.ExternalId;
        DurationSeconds = hop.DurationSeconds;
        Policy = hop.Policy;
        PolicyArns = hop.PolicyArns;
        Tags = hop.Tags;
        TransitiveTagKeys = hop.TransitiveTagKeys;
        SourceIdentity = hop.SourceIdentity;
        ProvidedContexts = hop.ProvidedContexts;
        MfaSerialNumber = hop.MfaSerialNumber;
        Region = hop.Region;
        ServiceUrl = hop.ServiceUrl;
    }

    /// <summary>Applies null and empty values as the reflection binder did (see <see cref="ConfigurationValues"/>).</summary>
    protected void ApplyNullAndEmpty(ConfigurationValues values)
    {
        RoleArn = values.String(nameof(RoleArn), RoleArn);
        RoleSessionName = values.String(nameof(RoleSessionName), RoleSessionName);
        ExternalId = values.String(nameof(ExternalId), ExternalId);
        DurationSeconds = values.Nullable(nameof(DurationSeconds), DurationSeconds);
        Policy = values.String(nameof(Policy), Policy);
        SourceIdentity = values.String(nameof(SourceIdentity), SourceIdentity);
        MfaSerialNumber = values.String(nameof(MfaSerialNumber), MfaSerialNumber);
        Region = values.String(nameof(Region), Region);
        ServiceUrl = values.String(nameof(ServiceUrl), ServiceUrl);
        RejectNullListEntries(values);
    }

    /// <summary>Refuses a null entry of a hop's lists and dictionaries (see <see cref="ConfigurationValues.RejectNullEntries"/>).</summary>
    protected static void RejectNullListEntries(ConfigurationValues values)
    {
        values.RejectNullEntries(nameof(PolicyArns));
        values.RejectNullEntries(nameof(Tags));
        values.RejectNullEntries(nameof(TransitiveTagKeys));
    }

    /// <summary>Writes the bound values onto the hop; what it holds beyond them (the MFA callback) stays.</summary>
    public void ApplyTo(AssumeRoleHopOptions hop)
    {
        hop.RoleArn = RoleArn;
        hop.RoleSessionName = RoleSessionName;
        hop.ExternalId = ExternalId;
        hop.DurationSeconds = DurationSeconds;
        hop.Policy = Policy;
        hop.PolicyArns = PolicyArns;
        hop.Tags = Tags;
        hop.TransitiveTagKeys = TransitiveTagKeys;
        hop.SourceIdentity = SourceIdentity;
        hop.ProvidedContexts = ProvidedContexts;
        hop.MfaSerialNumber = MfaSerialNumber;
        hop.Region = Region;
        hop.ServiceUrl = ServiceUrl;
    }
}
