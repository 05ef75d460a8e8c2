using Amazon.Extensions.NETCore.Setup;
using AssumeRole.Extensions.Validation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AssumeRole.Extensions.DependencyInjection;

/// <summary>
/// The <see cref="AWSOptions"/> the app's SDK clients are built from, as the app configured it (before our credentials
/// are added): read once per container for the region a role's STS calls default to, so that STS goes where the app's
/// clients go (<c>AWS:Region</c>). Never mutated.
/// </summary>
internal sealed class AwsOptionsTemplate
{
    // An AsyncLocal rather than [ThreadStatic]: a factory that resolves the role on another thread (sync over async,
    // Task.Run(…).Result) must see the read too, or it blocks on this Lazy while the Lazy waits for it (the host's
    // start hung for good). It holds the read itself, not a flag: work the factory starts that outlives the read (a
    // poller, a timer) captured the value, and must find the read over, not a cycle, when it resolves a role later.
    private static readonly AsyncLocal<ReadInProgress?> s_reading = new();

    // The role whose options are asking for the region (RegionFor), so that a read it starts knows which role it is for.
    private static readonly AsyncLocal<string?> s_readFor = new();

    // Names no role: a read for the multi-tenant factory's options.
    private const string NoRole = "\0multi-tenant";

    private readonly IServiceProvider _services;
    private readonly AwsOptionsSource? _source;
    private readonly Lazy<AWSOptions?> _template;

    public AwsOptionsTemplate(IServiceProvider services, IEnumerable<AwsOptionsSource> sources)
    {
        _services = services;
        _source = sources.LastOrDefault();
        _template = new Lazy<AWSOptions?>(Read, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Gets the region of the app's <see cref="AWSOptions"/>, or <see langword="null"/> when it sets none.</summary>
    public string? Region => RegionFor(null);

    /// <summary>
    /// Gets the app's <see cref="AWSOptions"/> as configured before our credentials are added (<see langword="null"/>
    /// when there is none).
    /// </summary>
    public AWSOptions? Options
    {
        get
        {
            ThrowIfReading(null);
            return _template.Value;
        }
    }

    /// <summary>
    /// The region of the app's <see cref="AWSOptions"/> for the role <paramref name="name"/> (or <see langword="null"/>),
    /// which has no Region of its own: only such a role reads these options, so only it can be part of a cycle.
    /// </summary>
    /// <param name="name">The role whose STS region is being decided (its options name), when known.</param>
    /// <returns>The region's system name, or <see langword="null"/> when the app's options set none.</returns>
    public string? RegionFor(string? name)
    {
        ThrowIfReading(name);

        // Which role's options creation reads (if this access is the one that reads): that role resolved again by the
        // read would re-enter its options' creation, and must fail first (ThrowIfReadFor).
        var outer = s_readFor.Value;
        s_readFor.Value = name ?? NoRole;
        try
        {
            return _template.Value?.Region?.SystemName;
        }
        finally
        {
            s_readFor.Value = outer;
        }
    }

    /// <summary>
    /// Throws when a read of the app's <see cref="AWSOptions"/> is in progress for the options of role
    /// <paramref name="name"/> itself (their creation reads it): resolving that role again from the read would re-enter
    /// the creation (a <see cref="Lazy{T}"/> that fails obscurely, or waits for itself on another thread). A role whose
    /// options do not read it (a Region of its own) may be resolved by the AWSOptions factory.
    /// </summary>
    /// <param name="name">The role being resolved.</param>
    public void ThrowIfReadFor(string name)
    {
        if (s_reading.Value is { IsOver: false } read && ReferenceEquals(read.Template, this) && string.Equals(read.ForRole, name, StringComparison.Ordinal))
        {
            ThrowIfReading(name);
        }
    }

    /// <summary>
    /// Throws when called from within a read of the app's <see cref="AWSOptions"/> still in progress: its factory resolves a
    /// role's credentials, whose STS region is being decided from that very <see cref="AWSOptions"/>. Said plainly,
    /// rather than left to DI or options (which would recurse or fail on a re-entered <see cref="Lazy{T}"/>).
    /// </summary>
    /// <remarks>
    /// Only a read of this very template counts (another container's read is not a cycle), and only while it runs (work
    /// the factory started may outlive it).
    /// </remarks>
    /// <param name="name">The role being resolved, when known.</param>
    public void ThrowIfReading(string? name)
    {
        if (s_reading.Value is { IsOver: false } read && ReferenceEquals(read.Template, this))
        {
            var setting = string.IsNullOrEmpty(name) ? "AssumeRole:Region" : $"the Region of role {SafeText.Quote(name)}";
            throw new AwsOptionsCycleException(
                "The AWSOptions registration resolves AssumeRole credentials, while AssumeRole reads the region of those AWSOptions for the role's STS endpoint. " +
                $"Set {setting} explicitly, or do not resolve the role's credentials in the AWSOptions factory.");
        }
    }

    private AWSOptions? Read()
    {
        var read = new ReadInProgress(this, s_readFor.Value);
        var outer = s_reading.Value;
        s_reading.Value = read;
        try
        {
            // In a scope: an AWSOptions registered as scoped (or a factory resolving scoped services) resolves as it
            // does for the app's scoped clients; the root provider would refuse it.
            using var scope = _services.CreateScope();
            var services = scope.ServiceProvider;
            var configured = services.GetService<IConfiguration>();
            if (_source is null)
            {
                // No default role: the AWSOptions service (if any) is the app's own.
                return services.GetService<AWSOptions>() ?? configured?.GetAWSOptions();
            }

            // The default role wraps the AWSOptions registered before it (or, without one, the AWS section), exactly
            // what its SDK clients are built from (see AwsOptionsFactory).
            return _source.Registration switch
            {
                null => configured?.GetAWSOptions(),
                { ImplementationInstance: AWSOptions instance } => instance,
                { ImplementationFactory: { } factory } => (AWSOptions)factory(services),
                { ImplementationType: { } type } => (AWSOptions)ActivatorUtilities.CreateInstance(services, type),
                _ => null,
            };
        }
        finally
        {
            read.IsOver = true;
            s_reading.Value = outer;
        }
    }

    /// <summary>One read of the app's <see cref="AWSOptions"/>; work that captured it sees when it is over.</summary>
    private sealed class ReadInProgress(AwsOptionsTemplate template, string? forRole)
    {
        private volatile bool _isOver;

        public AwsOptionsTemplate Template { get; } = template;

        /// <summary>The role whose options creation made this read, when one did.</summary>
        public string? ForRole { get; } = forRole;

        public bool IsOver
        {
            get => _isOver;
            set => _isOver = value;
        }
    }
}

/// <summary>The app's <see cref="AWSOptions"/> factory resolves a role whose region is read from it.</summary>
internal sealed class AwsOptionsCycleException(string message) : InvalidOperationException(message);
