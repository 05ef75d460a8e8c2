using Amazon.Runtime;
using AssumeRole.Extensions.Testing;

namespace AssumeRole.Extensions.Benchmarks.Infrastructure;

/// <summary>
/// One <see cref="StsEmulator"/> per process on the real clock, with a user and factories for both providers under
/// test: ours (<see cref="AssumeRoleCredentials"/>) and the SDK's (<see cref="AssumeRoleAWSCredentials"/>).
/// </summary>
/// <remarks>
/// The SDK's provider builds its own STS client from the environment, so the emulator's endpoint and region go into
/// <c>AWS_ENDPOINT_URL_STS</c> / <c>AWS_REGION</c> before any SDK provider exists. The SDK may cache what it reads from
/// the environment, so there is exactly one emulator (one endpoint) per process. Its clock is the real one because the
/// SDK's provider judges expiry on the machine clock, which cannot be faked.
/// </remarks>
public sealed class StsBench
{
    public const string AccountId = "123456789012";
    public const string Region = "us-east-1";

    private static readonly Lazy<StsBench> s_shared = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    private int _roles;

    private StsBench(StsEmulator emulator, EmulatedUser user)
    {
        Emulator = emulator;
        User = user;
    }

    public static StsBench Shared => s_shared.Value;

    public StsEmulator Emulator { get; }

    public EmulatedUser User { get; }

    public BasicAWSCredentials SourceCredentials => new(User.AccessKeyId, User.SecretAccessKey);

    /// <summary>Adds a role with a unique ARN, so that no scenario can reuse a session cached by another.</summary>
    public string AddRole(string name, TimeSpan? sessionLifetime = null)
    {
        var arn = $"arn:aws:iam::{AccountId}:role/bench/{name}-{Interlocked.Increment(ref _roles)}";
        Emulator.AddRole(arn, r => r.SessionLifetimeOverride = sessionLifetime);
        return arn;
    }

    public AssumeRoleCredentials Ours(string roleArn, string sessionName = "bench") =>
        new(new AssumeRoleOptions
        {
            RoleArn = roleArn,
            RoleSessionName = sessionName,
            SourceCredentials = SourceCredentials,
            ServiceUrl = Emulator.Endpoint.ToString(),
            Region = Region,
        });

    /// <summary>The SDK's provider with its defaults; it reaches the emulator through the environment variables.</summary>
    public AssumeRoleAWSCredentials Sdk(string roleArn, string sessionName = "bench") =>
        new(SourceCredentials, roleArn, sessionName);

    public int AssumeRoleCalls(string roleArn) => Emulator.CountCalls("AssumeRole", roleArn);

    /// <summary>
    /// Fetches once and proves, from the emulator's call log, that the credentials came from the emulator: a
    /// successful AssumeRole call for the role issued exactly the access key the provider returned.
    /// </summary>
    public void WarmAndVerify(AWSCredentials provider, string roleArn)
    {
        var credentials = provider.GetCredentials();
        var calls = Emulator.Calls.Where(c => c.Action == "AssumeRole" && c.RoleArn == roleArn).ToList();
        if (!calls.Any(c => c.Succeeded && c.IssuedAccessKeyId == credentials.AccessKey))
        {
            throw new InvalidOperationException(
                $"{provider.GetType().Name} did not get its credentials from the emulator at {Emulator.Endpoint} " +
                $"(AssumeRole calls for {roleArn}: {string.Join(", ", calls.Select(c => c.Outcome))}).");
        }

        if (calls.Count > 1)
        {
            Console.Error.WriteLine($"note: the first fetch for {roleArn} took {calls.Count} calls: {string.Join(", ", calls.Select(c => $"{c.Outcome} {c.ErrorMessage}"))}");
        }
    }

    private static StsBench Start()
    {
        var emulator = StsEmulator.StartAsync(new StsEmulatorOptions { RandomSeed = 7 }).GetAwaiter().GetResult();
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_STS", emulator.Endpoint.ToString());
        Environment.SetEnvironmentVariable("AWS_REGION", Region);

        // No retries of the SDK's own credential chain against an instance metadata service that is not there.
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        return new StsBench(emulator, emulator.AddUser("bench"));
    }
}
