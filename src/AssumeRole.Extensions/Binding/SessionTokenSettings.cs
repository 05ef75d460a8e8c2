namespace AssumeRole.Extensions.Binding;

/// <summary>
/// What configuration binds of <see cref="SessionTokenOptions"/> (all but the <see cref="SessionTokenOptions.TokenCodeProvider"/>
/// delegate). See <see cref="AssumeRoleHopSettings"/> for how binding uses it.
/// </summary>
internal sealed class SessionTokenSettings
{
    public int? DurationSeconds { get; set; }

    public string? MfaSerialNumber { get; set; }

    /// <summary>The settings of <paramref name="options"/>, or <see langword="null"/> when there are none yet.</summary>
    public static SessionTokenSettings? Of(SessionTokenOptions? options) =>
        options is null ? null : new SessionTokenSettings { DurationSeconds = options.DurationSeconds, MfaSerialNumber = options.MfaSerialNumber };

    /// <summary>Applies null and empty values as the reflection binder did (see <see cref="ConfigurationValues"/>).</summary>
    public void ApplyNullAndEmpty(ConfigurationValues values)
    {
        DurationSeconds = values.Nullable(nameof(DurationSeconds), DurationSeconds);
        MfaSerialNumber = values.String(nameof(MfaSerialNumber), MfaSerialNumber);
    }

    /// <summary>Writes the bound values onto <paramref name="options"/> (a new instance when there was none).</summary>
    public SessionTokenOptions ApplyTo(SessionTokenOptions? options)
    {
        options ??= new SessionTokenOptions();
        options.DurationSeconds = DurationSeconds;
        options.MfaSerialNumber = MfaSerialNumber;
        return options;
    }
}
