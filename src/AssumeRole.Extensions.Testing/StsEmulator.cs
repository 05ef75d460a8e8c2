using System.Net;
using AssumeRole.Extensions.Testing.Actions;
using AssumeRole.Extensions.Testing.Calls;
using AssumeRole.Extensions.Testing.Hosting;
using AssumeRole.Extensions.Testing.Iam;
using AssumeRole.Extensions.Testing.Signing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace AssumeRole.Extensions.Testing;

/// <summary>
/// A local AWS STS over HTTP on <c>127.0.0.1</c>: AssumeRole, GetCallerIdentity, AssumeRoleWithWebIdentity and
/// GetSessionToken in the AWS Query protocol, with SigV4 verification, STS's parameter, duration and chaining rules,
/// a small IAM model, fault injection and a call log.
/// </summary>
/// <example>
/// <code>
/// await using var sts = await StsEmulator.StartAsync();
/// var user = sts.AddUser("alice");
/// sts.AddRole("arn:aws:iam::123456789012:role/Deploy", role => role.TrustPrincipal(user.Arn));
/// // point an AmazonSecurityTokenServiceClient at sts.Endpoint, signing with user.AccessKeyId / user.SecretAccessKey
/// </code>
/// </example>
public sealed class StsEmulator : IAsyncDisposable, IDisposable
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, byte> s_portsUsed = new();

    private readonly WebApplication _app;
    private readonly IamStore _iam;
    private readonly StsService _service;
    private readonly CallLog _calls;
    private readonly StsEmulatorOptions _options;
    private int _disposed;

    private StsEmulator(WebApplication app, IamStore iam, StsService service, CallLog calls, StsFaults faults, StsEmulatorOptions options, Uri endpoint)
    {
        _app = app;
        _iam = iam;
        _service = service;
        _calls = calls;
        _options = options;
        Faults = faults;
        Endpoint = endpoint;
    }

    /// <summary>Gets the base address to use as the STS service URL, e.g. <c>http://127.0.0.1:54321/</c>.</summary>
    public Uri Endpoint { get; }

    /// <summary>Gets the emulator's home region (the signing region clients should use).</summary>
    public string Region => _options.Region;

    /// <summary>Gets the default account of users added without one.</summary>
    public string AccountId => _options.AccountId;

    /// <summary>Gets the emulator clock.</summary>
    public TimeProvider TimeProvider => _options.TimeProvider;

    /// <summary>Gets the injected faults.</summary>
    public StsFaults Faults { get; }

    /// <summary>Gets a snapshot of the calls received so far, oldest first.</summary>
    public IReadOnlyList<StsCallRecord> Calls => _calls.Snapshot();

    /// <summary>
    /// Gets or sets the check applied to AssumeRoleWithWebIdentity tokens; <see langword="null"/> accepts every token.
    /// </summary>
    public Func<string, WebIdentityTokenStatus>? WebIdentityTokenValidator
    {
        get => _service.WebIdentityTokenValidator;
        set => _service.WebIdentityTokenValidator = value;
    }

    /// <summary>Starts an emulator on a loopback port.</summary>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running emulator; dispose it to stop it.</returns>
    public static async Task<StsEmulator> StartAsync(StsEmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new StsEmulatorOptions();
        ArgumentNullException.ThrowIfNull(options.TimeProvider);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Region);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.AccountId);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.AllowedClockSkew, TimeSpan.Zero);

        var iam = new IamStore();
        var calls = new CallLog();
        var faults = new StsFaults(options.RandomSeed is { } seed ? new Random(seed) : new Random());
        var service = new StsService(iam, new SigV4Verifier(iam, options.TimeProvider, options), options.TimeProvider);
        var pipeline = new StsRequestPipeline(service, faults, calls, options.TimeProvider);

        // A port no earlier emulator of this process listened on: the AWS SDK remembers a clock correction per endpoint
        // (host and port) for the life of the process, so an emulator on a fake clock hours ahead would leave its
        // correction to the next emulator handed the same port, whose every signature is then refused as not yet current.
        // The ports the OS hands out again are held open until a fresh one comes (at most a few tries), then released.
        var held = new List<WebApplication>();
        try
        {
            while (true)
            {
                var (app, endpoint) = await StartAppAsync(pipeline, options.Port ?? 0, cancellationToken).ConfigureAwait(false);
                if (options.Port is not null || s_portsUsed.TryAdd(endpoint.Port, 0) || held.Count >= 16)
                {
                    return new StsEmulator(app, iam, service, calls, faults, options, endpoint);
                }

                held.Add(app);
            }
        }
        finally
        {
            foreach (var app in held)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<(WebApplication App, Uri Endpoint)> StartAppAsync(StsRequestPipeline pipeline, int port, CancellationToken cancellationToken)
    {
        // An empty builder: no configuration files, no logging providers, no environment-driven URLs.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, port);
        });
        var app = builder.Build();
        app.Run(pipeline.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return (app, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>Adds an IAM user of <see cref="AccountId"/> with a new long-term access key.</summary>
    /// <param name="userName">The user name.</param>
    /// <returns>The user, with its access key and secret.</returns>
    public EmulatedUser AddUser(string userName) => AddUser(userName, null, null, null);

    /// <summary>Adds an IAM user with a new long-term access key.</summary>
    /// <param name="userName">The user name.</param>
    /// <param name="accountId">The 12-digit account; <see langword="null"/> for <see cref="AccountId"/>.</param>
    /// <returns>The user, with its access key and secret.</returns>
    public EmulatedUser AddUser(string userName, string? accountId) => AddUser(userName, accountId, null, null);

    /// <summary>
    /// Adds an IAM user with the long-term access key you give it, so that a configuration file, another process or an
    /// environment variable can hold the key before the emulator starts (for example <c>AWS_ACCESS_KEY_ID</c> in a CI job).
    /// </summary>
    /// <param name="userName">The user name.</param>
    /// <param name="accountId">The 12-digit account; <see langword="null"/> for <see cref="AccountId"/>.</param>
    /// <param name="accessKeyId">The access key id, 16–128 letters and digits (AWS's are <c>AKIA</c> + 16); <see langword="null"/> for a new one.</param>
    /// <param name="secretAccessKey">The secret access key (at least 16 characters); <see langword="null"/> for a new one. Give both or neither.</param>
    /// <returns>The user.</returns>
    /// <exception cref="ArgumentException">Only one of the two is given, one is malformed, or the key id is already in use.</exception>
    public EmulatedUser AddUser(string userName, string? accountId, string? accessKeyId, string? secretAccessKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userName);
        accountId ??= AccountId;
        if (accountId.Length != 12 || !accountId.All(char.IsAsciiDigit))
        {
            throw new ArgumentException("An account id is 12 digits.", nameof(accountId));
        }

        if ((accessKeyId is null) != (secretAccessKey is null))
        {
            throw new ArgumentException("Give both the access key id and the secret access key, or neither.", accessKeyId is null ? nameof(accessKeyId) : nameof(secretAccessKey));
        }

        if (accessKeyId is not null && (accessKeyId.Length is < 16 or > 128 || !accessKeyId.All(char.IsAsciiLetterOrDigit)))
        {
            throw new ArgumentException("An access key id is 16 to 128 letters and digits.", nameof(accessKeyId));
        }

        if (secretAccessKey is not null && secretAccessKey.Length < 16)
        {
            throw new ArgumentException("A secret access key is at least 16 characters.", nameof(secretAccessKey));
        }

        return _iam.AddUser(userName, accountId, accessKeyId, secretAccessKey)
            ?? throw new ArgumentException($"The access key id '{accessKeyId}' is already in use.", nameof(accessKeyId));
    }

    /// <summary>Adds a role, or replaces the settings of a role with the same ARN.</summary>
    /// <param name="roleArn">The role ARN, <c>arn:aws:iam::ACCOUNT:role/[path/]NAME</c>.</param>
    /// <param name="configure">Configures trust, limits and requirements; by default the role trusts its own account.</param>
    /// <returns>The role.</returns>
    public EmulatedRole AddRole(string roleArn, Action<EmulatedRoleOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(roleArn);
        if (!RoleArn.TryParse(roleArn, out var arn))
        {
            throw new ArgumentException($"'{roleArn}' is not a role ARN (arn:aws:iam::ACCOUNT:role/[path/]NAME).", nameof(roleArn));
        }

        var options = new EmulatedRoleOptions();
        configure?.Invoke(options);
        if (options.MaxSessionDuration < StsDefaults.MinRoleMaxSessionDuration ||
            options.MaxSessionDuration > StsDefaults.MaxRoleMaxSessionDuration ||
            options.MaxSessionDuration.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(configure), options.MaxSessionDuration, "MaxSessionDuration must be whole seconds from 3600 to 43200.");
        }

        if (options.SessionLifetimeOverride is { } lifetime && lifetime <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(configure), lifetime, "SessionLifetimeOverride must be positive.");
        }

        return _iam.AddRole(arn, options);
    }

    /// <summary>Empties <see cref="Calls"/>.</summary>
    public void ClearCalls() => _calls.Clear();

    /// <summary>Counts the recorded calls of an action, optionally for one role.</summary>
    /// <param name="action">The action, e.g. <c>AssumeRole</c> (case-insensitive).</param>
    /// <param name="roleArn">Only calls for this role ARN; <see langword="null"/> for all.</param>
    /// <returns>The number of calls, successful or not.</returns>
    public int CountCalls(string action, string? roleArn = null)
    {
        ArgumentNullException.ThrowIfNull(action);
        return _calls.Snapshot().Count(call =>
            string.Equals(call.Action, action, StringComparison.OrdinalIgnoreCase) &&
            (roleArn is null || string.Equals(call.RoleArn, roleArn, StringComparison.Ordinal)));
    }

    /// <summary>Stops the server.</summary>
    /// <returns>A task that completes when the server has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Stops the server, blocking until it has stopped.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Describes the emulator.</summary>
    /// <returns>The endpoint and region.</returns>
    public override string ToString() => $"StsEmulator {Endpoint} ({Region})";
}
