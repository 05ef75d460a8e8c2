using System.Globalization;
using System.Text.Json;
using AssumeRole.Extensions.Testing.Iam;
using AssumeRole.Extensions.Testing.Protocol;

namespace AssumeRole.Extensions.Testing.Actions;

/// <summary>
/// The parameter rules of STS's credential-issuing actions, in STS's order: model constraints first (all reported
/// together, duration range included), then the semantic checks on ARN, tags, source identity and session policy.
/// </summary>
internal static class SessionRequestValidator
{
    public static void ValidateRoleArnAndSessionName(ValidationErrors errors, SessionRequest request)
    {
        errors.Required("roleArn", request.RoleArn);
        errors.Length("roleArn", request.RoleArn, 20, 2048);
        errors.Pattern("roleArn", request.RoleArn, Patterns.Arn(), Patterns.ArnText);
        errors.Required("roleSessionName", request.RoleSessionName);
        errors.Length("roleSessionName", request.RoleSessionName, 2, 64);
        errors.Pattern("roleSessionName", request.RoleSessionName, Patterns.SessionName(), Patterns.SessionNameText);
    }

    public static void ValidateSessionPolicies(ValidationErrors errors, SessionRequest request)
    {
        errors.Count("policyArns", request.PolicyArns, 0, StsDefaults.MaxPolicyArns, arn => $"PolicyDescriptorType(arn={arn})");
        for (var i = 0; request.PolicyArns is not null && i < request.PolicyArns.Count; i++)
        {
            errors.Length(Member("policyArns", i, "arn"), request.PolicyArns[i], 20, 2048);
            errors.Pattern(Member("policyArns", i, "arn"), request.PolicyArns[i], Patterns.Arn(), Patterns.ArnText);
        }

        errors.Length("policy", request.Policy, 1, StsDefaults.MaxPolicyLength);
        errors.Pattern("policy", request.Policy, Patterns.Policy(), Patterns.PolicyText);
    }

    public static void ValidateDuration(ValidationErrors errors, SessionRequest request, int min, int max)
    {
        if (request.DurationSecondsText is not null && request.DurationSeconds is null)
        {
            errors.Add("durationSeconds", request.DurationSecondsText, "be an integer");
            return;
        }

        errors.Range("durationSeconds", request.DurationSeconds, min, max);
    }

    public static void ValidateTags(ValidationErrors errors, SessionRequest request)
    {
        errors.Count("tags", request.Tags, 0, StsDefaults.MaxTags, tag => $"Tag(key={tag.Key}, value={tag.Value})");
        for (var i = 0; request.Tags is not null && i < request.Tags.Count; i++)
        {
            var (key, value) = request.Tags[i];
            errors.Required(Member("tags", i, "key"), key);
            errors.Length(Member("tags", i, "key"), key, 1, StsDefaults.MaxTagKeyLength);
            errors.Pattern(Member("tags", i, "key"), key, v => Patterns.Tag(v, allowEmpty: false), Patterns.TagKeyText);
            errors.Required(Member("tags", i, "value"), value);
            errors.Length(Member("tags", i, "value"), value, 0, StsDefaults.MaxTagValueLength);
            errors.Pattern(Member("tags", i, "value"), value, v => Patterns.Tag(v, allowEmpty: true), Patterns.TagValueText);
        }

        errors.Count("transitiveTagKeys", request.TransitiveTagKeys, 0, StsDefaults.MaxTags, key => key);
        for (var i = 0; request.TransitiveTagKeys is not null && i < request.TransitiveTagKeys.Count; i++)
        {
            var field = string.Create(CultureInfo.InvariantCulture, $"transitiveTagKeys.{i + 1}.member");
            errors.Length(field, request.TransitiveTagKeys[i], 1, StsDefaults.MaxTagKeyLength);
            errors.Pattern(field, request.TransitiveTagKeys[i], v => Patterns.Tag(v, allowEmpty: false), Patterns.TagKeyText);
        }
    }

    public static void ValidateAssumeRoleExtras(ValidationErrors errors, SessionRequest request)
    {
        errors.Length("externalId", request.ExternalId, 2, 1224);
        errors.Pattern("externalId", request.ExternalId, Patterns.ExternalId(), Patterns.ExternalIdText);
        ValidateMfa(errors, request);
        errors.Length("sourceIdentity", request.SourceIdentity, 2, 64);
        errors.Pattern("sourceIdentity", request.SourceIdentity, Patterns.SessionName(), Patterns.SourceIdentityText);
        // Min 1: an empty list ("ProvidedContexts=") is refused, as the model's ProvidedContextsListType says.
        errors.Count("providedContexts", request.ProvidedContexts, 1, StsDefaults.MaxProvidedContexts, context => $"ProvidedContext(providerArn={context.ProviderArn})");
        for (var i = 0; request.ProvidedContexts is not null && i < request.ProvidedContexts.Count; i++)
        {
            errors.Length(Member("providedContexts", i, "providerArn"), request.ProvidedContexts[i].ProviderArn, 20, 2048);
            errors.Pattern(Member("providedContexts", i, "providerArn"), request.ProvidedContexts[i].ProviderArn, Patterns.Arn(), Patterns.ArnText);
            errors.Length(Member("providedContexts", i, "contextAssertion"), request.ProvidedContexts[i].ContextAssertion, 4, 2048);
        }
    }

    public static void ValidateMfa(ValidationErrors errors, SessionRequest request)
    {
        errors.Length("serialNumber", request.SerialNumber, 9, 256);
        errors.Pattern("serialNumber", request.SerialNumber, Patterns.SerialNumber(), Patterns.SerialNumberText);
        errors.Length("tokenCode", request.TokenCode, 6, 6);
        errors.Pattern("tokenCode", request.TokenCode, Patterns.TokenCode(), Patterns.TokenCodeText);
    }

    /// <summary>The checks that follow the model constraints: ARN shape, source identity prefix, tag sets.</summary>
    public static RoleArn CheckSemantics(SessionRequest request)
    {
        if (!RoleArn.TryParse(request.RoleArn, out var arn))
        {
            throw StsErrors.Validation($"{request.RoleArn} is invalid");
        }

        if (request.SourceIdentity?.StartsWith("aws:", StringComparison.OrdinalIgnoreCase) == true)
        {
            throw StsErrors.Validation(
                $"1 validation error detected: Value '{request.SourceIdentity}' at 'sourceIdentity' failed to satisfy constraint: Member must not start with 'aws:'");
        }

        foreach (var policyArn in request.PolicyArns ?? [])
        {
            if (!Iam.PolicyArn.IsValid(policyArn))
            {
                throw StsErrors.Validation($"{policyArn} is invalid");
            }
        }

        // At most 50 keys (checked before): a pairwise comparison, with Java's rule for ignoring case.
        var tagKeys = new List<string>();
        foreach (var (key, _) in request.TagPairs)
        {
            if (tagKeys.Any(k => Patterns.SameTagKey(k, key)))
            {
                throw StsErrors.InvalidParameterValue("Duplicate tag keys found. Please note that Tag keys are case insensitive.");
            }

            tagKeys.Add(key);
        }

        if (request.TransitiveTagKeys?.Any(key => !tagKeys.Any(k => Patterns.SameTagKey(k, key))) == true)
        {
            throw StsErrors.InvalidParameterValue("The specified transitive tag key must be included in the requested tags.");
        }

        return arn;
    }

    /// <summary>Checks the inline policy is JSON and the packed policy and tags fit; returns the packed size in percent.</summary>
    public static int? CheckPolicy(SessionRequest request)
    {
        if (request.Policy is not null)
        {
            try
            {
                using var document = JsonDocument.Parse(request.Policy);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw StsErrors.MalformedPolicyDocument("Syntax errors in policy.");
                }
            }
            catch (JsonException)
            {
                throw StsErrors.MalformedPolicyDocument("Syntax errors in policy.");
            }
        }

        if (!request.HasSessionPolicyOrTags)
        {
            return null;
        }

        var size = PackedSize(request);
        if (size > 100)
        {
            var what = request.Tags is { Count: > 0 } ? "session tags" : "session policies";
            throw new StsException(400, "PackedPolicyTooLarge", string.Create(CultureInfo.InvariantCulture, $"Packed size of {what} consumes {size}% of allotted space."));
        }

        return size;
    }

    /// <summary>The packed size of the session policies and tags, in percent (see <see cref="PackedPolicySize"/>).</summary>
    public static int PackedSize(SessionRequest request) => PackedPolicySize.Percent(request);

    private static string Member(string list, int index, string field) =>
        string.Create(CultureInfo.InvariantCulture, $"{list}.{index + 1}.member.{field}");
}
