namespace AssumeRole.Extensions.Testing.Server;

/// <summary>Adds the users and roles of a configuration file to a running emulator.</summary>
internal static class EmulatorSetup
{
    public static void Apply(StsEmulator sts, EmulatorConfig config)
    {
        ArgumentNullException.ThrowIfNull(sts);
        ArgumentNullException.ThrowIfNull(config);
        ThrowIfNullEntry(config.Users, "users");
        ThrowIfNullEntry(config.Roles, "roles");
        foreach (var user in config.Users ?? [])
        {
            // Another process must sign as the user, so it must know the keys before the emulator starts.
            if (user.AccessKeyId is null || user.SecretAccessKey is null)
            {
                throw new ArgumentException($"User '{user.Name}' needs an accessKeyId and a secretAccessKey: clients of a separate emulator process sign with keys they know in advance.");
            }

            var added = sts.AddUser(user.Name, user.AccountId, user.AccessKeyId, user.SecretAccessKey);
            if (user.Mfa is { } mfa)
            {
                added.EnableMfaDevice(mfa.SerialNumber, [.. mfa.Codes ?? []]);
            }
        }

        foreach (var role in config.Roles ?? [])
        {
            sts.AddRole(role.Arn, options =>
            {
                foreach (var principal in role.TrustedPrincipals ?? [])
                {
                    options.TrustPrincipal(principal);
                }

                if (role.MaxSessionDurationSeconds is { } max)
                {
                    options.MaxSessionDurationSeconds = max;
                }

                options.RequiredExternalId = role.RequiredExternalId;
                options.SessionLifetimeOverride = role.SessionLifetime;
                options.TrustWebIdentity = role.TrustWebIdentity ?? true;
                options.AllowSessionTags = role.AllowSessionTags;
                options.AllowSourceIdentity = role.AllowSourceIdentity;
                if (role.RequireMfa)
                {
                    options.RequireMfa();
                }
            });
        }
    }

    /// <summary>A JSON <c>null</c> in a list (<c>"users": [ null ]</c>) is a mistake in the file, said as one.</summary>
    private static void ThrowIfNullEntry<T>(List<T>? entries, string name)
        where T : class
    {
        var index = entries?.IndexOf(null!) ?? -1;
        if (index >= 0)
        {
            throw new ArgumentException($"{name}[{index}] is null; remove it or give it its settings.", name);
        }
    }
}
