using System.Globalization;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using AssumeRole.Extensions.Validation;

namespace AssumeRole.Extensions.Profiles;

/// <summary>
/// Turns an AWS CLI profile into <see cref="AssumeRoleOptions"/> with the CLI's (botocore's) resolution rules: follow
/// <c>source_profile</c> until a profile with static keys, a <c>credential_source</c> or a web identity token file; a
/// source profile with static keys contributes its keys even if it also has a <c>role_arn</c>; a profile may name itself
/// as source only when it has static keys; any other revisit is a cycle. Errors name the profiles involved.
/// </summary>
internal static class ProfileChainBuilder
{
    public static AssumeRoleOptions Build(
        string? profileName,
        Func<CancellationToken, ValueTask<string>>? tokenCodeProvider,
        Func<string, string?>? getEnv = null)
    {
        getEnv ??= Environment.GetEnvironmentVariable;
        var name = NonEmpty(profileName) ?? NonEmpty(getEnv("AWS_PROFILE")) ?? NonEmpty(getEnv("AWS_DEFAULT_PROFILE")) ?? "default";
        var files = SharedConfigFiles.Load(getEnv);
        var top = files.Profile(name) ?? throw Error(name, $"not found in {SafeText.Quote(files.ConfigPath)} or {SafeText.Quote(files.CredentialsPath)}.");

        var options = new AssumeRoleOptions();
        var hops = new List<AssumeRoleHopOptions>(); // target first
        var visited = new List<string> { name };
        var current = name;
        var profile = top;
        while (true)
        {
            var roleArn = Get(profile, "role_arn");
            if (roleArn is null)
            {
                throw Error(current, "has no role_arn, so there is no role to assume" + (hops.Count == 0 ? "." : $" (reached from {Path(visited)})."));
            }

            if (Get(profile, "web_identity_token_file") is { } tokenFile && Get(profile, "source_profile") is null && Get(profile, "credential_source") is null)
            {
                if (hops.Count == 0)
                {
                    throw Error(current, "is a web identity profile with no role above it; name a profile whose source_profile is this one, or use WebIdentityOptions.");
                }

                Check(current, StsConstraints.RoleArn.Check(roleArn, "role_arn"));
                Check(current, StsConstraints.RoleSessionName.Check(Get(profile, "role_session_name"), "role_session_name"));
                options.WebIdentity = new WebIdentityOptions
                {
                    RoleArn = roleArn,
                    WebIdentityTokenFile = tokenFile,
                    RoleSessionName = Get(profile, "role_session_name"),
                };
                break;
            }

            hops.Add(HopOf(current, profile, roleArn, tokenCodeProvider));
            if (hops.Count > AssumeRoleDefaults.MaxChainDepth)
            {
                throw Error(name, $"resolves to more than {AssumeRoleDefaults.MaxChainDepth} roles: {Path(visited)} → …");
            }

            var sourceProfile = Get(profile, "source_profile");
            var credentialSource = Get(profile, "credential_source");
            if (sourceProfile is not null && credentialSource is not null)
            {
                throw Error(current, "has both source_profile and credential_source; set only one.");
            }

            if (credentialSource is not null)
            {
                (options.SourceCredentials, options.SourceIsRoleSession) = FromCredentialSource(current, credentialSource);
                break;
            }

            if (sourceProfile is null)
            {
                throw Error(current, "has role_arn but neither source_profile nor credential_source.");
            }

            var source = files.Profile(sourceProfile)
                ?? throw Error(current, $"names source_profile {SafeText.Quote(sourceProfile)}, which does not exist.");
            if (visited.Contains(sourceProfile, StringComparer.Ordinal))
            {
                // botocore allows a profile to be its own source only to pair its own keys with its role_arn.
                if (sourceProfile == current && StaticKeys(source) is { } own)
                {
                    options.SourceCredentials = own;
                    break;
                }

                visited.Add(sourceProfile);
                throw Error(name, $"has a source_profile cycle: {Path(visited)}.");
            }

            visited.Add(sourceProfile);
            if (StaticKeys(source) is { } keys)
            {
                // Static keys win over the source profile's own role_arn, as in the CLI.
                options.SourceCredentials = keys;
                break;
            }

            if (Get(source, "role_arn") is null)
            {
                // SSO, credential_process and the like: let the SDK resolve that profile.
                options.SourceCredentials = FromSdkProfile(sourceProfile, current);
                break;
            }

            current = sourceProfile;
            profile = source;
        }

        hops.Reverse();
        var target = hops[^1];
        options.RoleArn = target.RoleArn;
        options.RoleSessionName = target.RoleSessionName;
        options.ExternalId = target.ExternalId;
        options.DurationSeconds = target.DurationSeconds;
        options.MfaSerialNumber = target.MfaSerialNumber;
        options.TokenCodeProvider = target.TokenCodeProvider;
        options.FromAwsProfile = target.FromAwsProfile;
        options.Chain = hops.Take(hops.Count - 1).ToList();
        options.FromAwsProfileSource = new Caching.AwsProfileSource(options.SourceCredentials, options.WebIdentity, options.SessionToken);

        // The CLI's STS client takes its region and endpoint from the profile named, with the environment first.
        options.Region = NonEmpty(getEnv("AWS_REGION")) ?? NonEmpty(getEnv("AWS_DEFAULT_REGION")) ?? Get(top, "region");
        options.ServiceUrl = NonEmpty(getEnv("AWS_ENDPOINT_URL_STS")) ?? NonEmpty(getEnv("AWS_ENDPOINT_URL")) ?? Get(top, "endpoint_url");
        Check(name, StsConstraints.CheckRegion("region", options.Region));
        Check(name, StsConstraints.CheckServiceUrl("endpoint_url", options.ServiceUrl));
        return options;
    }

    private static AssumeRoleHopOptions HopOf(string name, IReadOnlyDictionary<string, string> profile, string roleArn, Func<CancellationToken, ValueTask<string>>? tokenCodeProvider)
    {
        // The CLI reads duration_seconds with Python's int() and silently ignores a value that is not an integer
        // (the session then gets STS's default, 3600 s): the same verdict here. An integer out of STS's range fails.
        int? duration = null;
        if (Get(profile, "duration_seconds") is { } text && PythonInt.Parse(text) is { } seconds)
        {
            duration = seconds is >= int.MinValue and <= int.MaxValue
                ? (int)seconds
                : throw Error(name, string.Create(CultureInfo.InvariantCulture, $"has duration_seconds {SafeText.Quote(text)}, which must be between {StsConstraints.MinDuration} and {StsConstraints.MaxDuration}."));
        }

        var mfa = Get(profile, "mfa_serial");
        if (mfa is not null && tokenCodeProvider is null)
        {
            throw Error(name, $"has mfa_serial {SafeText.Quote(mfa)}, so a token code provider is required: pass one to AssumeRoleOptions.FromProfile.");
        }

        var sessionName = Get(profile, "role_session_name");
        var externalId = Get(profile, "external_id");

        // Checked here, against STS's table, so the error names the profile and the key (the CLI would send them and
        // fail at STS); the external ID is never shown.
        Check(name, StsConstraints.RoleArn.Check(roleArn, "role_arn"));
        Check(name, StsConstraints.RoleSessionName.Check(sessionName, "role_session_name"));
        Check(name, StsConstraints.ExternalId.Check(externalId, "external_id"));
        Check(name, StsConstraints.SerialNumber.Check(mfa, "mfa_serial"));
        Check(name, StsConstraints.CheckRange("duration_seconds", duration, StsConstraints.MinDuration, StsConstraints.MaxDuration));
        return new AssumeRoleHopOptions
        {
            RoleArn = roleArn,
            RoleSessionName = sessionName,
            ExternalId = externalId,
            DurationSeconds = duration,
            MfaSerialNumber = mfa,
            TokenCodeProvider = mfa is null ? null : tokenCodeProvider,
            FromAwsProfile = new Caching.AwsProfileHop(roleArn, sessionName, externalId, mfa, duration),
        };
    }

    private static (AWSCredentials Credentials, bool? IsRoleSession) FromCredentialSource(string name, string credentialSource)
    {
        if (credentialSource is not ("Environment" or "Ec2InstanceMetadata" or "EcsContainer"))
        {
            throw Error(name, $"has credential_source {SafeText.Quote(credentialSource)}; expected Environment, Ec2InstanceMetadata or EcsContainer.");
        }

        try
        {
            return credentialSource switch
            {
                "Environment" => (new EnvironmentVariablesAWSCredentials(), null),
                "Ec2InstanceMetadata" => (new InstanceProfileAWSCredentials(), false),

                // Container credentials are a role session: roles assumed from them are chained.
                _ => (new GenericContainerCredentials(), true),
            };
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or AmazonClientException)
        {
            // The SDK providers check their environment variables when constructed.
            // The SDK's message is escaped and cut like any text from outside (it may quote environment values).
            throw new ArgumentException($"AWS profile {SafeText.Quote(name)} has credential_source {credentialSource}, which is not available here: {SafeText.Escape(ex.Message, 200)}", "profileName", ex);
        }
    }

    private static AWSCredentials FromSdkProfile(string sourceProfile, string referencedBy)
    {
        var chain = new CredentialProfileStoreChain();
        if (chain.TryGetAWSCredentials(sourceProfile, out var credentials))
        {
            return credentials;
        }

        throw Error(sourceProfile, $"(the source_profile of {SafeText.Quote(referencedBy)}) has no static keys, role_arn or other credentials the AWS SDK can resolve.");
    }

    private static AWSCredentials? StaticKeys(IReadOnlyDictionary<string, string> profile)
    {
        var key = Get(profile, "aws_access_key_id");
        var secret = Get(profile, "aws_secret_access_key");
        if (key is null || secret is null)
        {
            return null;
        }

        return Get(profile, "aws_session_token") is { } token ? new SessionAWSCredentials(key, secret, token) : new BasicAWSCredentials(key, secret);
    }

    private static string? Get(IReadOnlyDictionary<string, string> profile, string key) =>
        profile.TryGetValue(key, out var value) && value.Length > 0 ? value : null;

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static string Path(List<string> visited) => string.Join(" → ", visited.Select(SafeText.Quote));

    private static void Check(string profile, string? failure)
    {
        if (failure is not null)
        {
            throw Error(profile, "has " + failure);
        }
    }

    private static ArgumentException Error(string profile, string message) => new($"AWS profile {SafeText.Quote(profile)} {message}", "profileName");
}
