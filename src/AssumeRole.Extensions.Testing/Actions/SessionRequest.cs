using System.Globalization;
using AssumeRole.Extensions.Testing.Protocol;

namespace AssumeRole.Extensions.Testing.Actions;

/// <summary>The parameters shared by STS's credential-issuing actions, read from a query request.</summary>
internal sealed class SessionRequest
{
    public required string Action { get; init; }

    /// <summary>Gets the API version the request names (<c>2011-06-15</c>), or <see langword="null"/> when it names none.</summary>
    public string? Version { get; init; }

    public string? RoleArn { get; init; }

    public string? RoleSessionName { get; init; }

    public string? DurationSecondsText { get; init; }

    public int? DurationSeconds { get; init; }

    public string? ExternalId { get; init; }

    public string? SerialNumber { get; init; }

    public string? TokenCode { get; init; }

    public string? Policy { get; init; }

    public IReadOnlyList<string?>? PolicyArns { get; init; }

    public IReadOnlyList<(string? Key, string? Value)>? Tags { get; init; }

    public IReadOnlyList<string>? TransitiveTagKeys { get; init; }

    public string? SourceIdentity { get; init; }

    public IReadOnlyList<(string? ProviderArn, string? ContextAssertion)>? ProvidedContexts { get; init; }

    public string? WebIdentityToken { get; init; }

    public string? ProviderId { get; init; }

    public bool HasSessionPolicyOrTags => Policy is not null || PolicyArns is { Count: > 0 } || Tags is { Count: > 0 };

    public static SessionRequest Parse(QueryParameters parameters)
    {
        var durationText = parameters.Get("DurationSeconds");
        int? duration = int.TryParse(durationText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds) ? seconds : null;
        return new SessionRequest
        {
            Action = parameters.Get("Action") ?? string.Empty,
            Version = parameters.Get("Version"),
            RoleArn = parameters.Get("RoleArn"),
            RoleSessionName = parameters.Get("RoleSessionName"),
            DurationSecondsText = durationText,
            DurationSeconds = duration,
            ExternalId = parameters.Get("ExternalId"),
            SerialNumber = parameters.Get("SerialNumber"),
            TokenCode = parameters.Get("TokenCode"),
            Policy = parameters.Get("Policy"),
            PolicyArns = parameters.GetStructureList("PolicyArns")?.Select(member => member.GetValueOrDefault("arn")).ToList(),
            Tags = parameters.GetStructureList("Tags")?.Select(member => (member.GetValueOrDefault("Key"), member.GetValueOrDefault("Value"))).ToList(),
            TransitiveTagKeys = parameters.GetList("TransitiveTagKeys"),
            SourceIdentity = parameters.Get("SourceIdentity"),
            ProvidedContexts = parameters.GetStructureList("ProvidedContexts")?
                .Select(member => (member.GetValueOrDefault("ProviderArn"), member.GetValueOrDefault("ContextAssertion"))).ToList(),
            WebIdentityToken = parameters.Get("WebIdentityToken"),
            ProviderId = parameters.Get("ProviderId"),
        };
    }

    public IReadOnlyList<KeyValuePair<string, string>> TagPairs =>
        Tags?.Where(tag => tag.Key is not null).Select(tag => KeyValuePair.Create(tag.Key!, tag.Value ?? string.Empty)).ToList() ?? [];
}
