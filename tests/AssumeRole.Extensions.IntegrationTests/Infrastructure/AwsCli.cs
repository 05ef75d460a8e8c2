namespace AssumeRole.Extensions.IntegrationTests.Infrastructure;

/// <summary>
/// Runs the AWS CLI (an independent SigV4 signer and STS client) with an isolated environment: no config or
/// credentials files, no instance metadata, no pager, one attempt, only the credentials the test passes.
/// </summary>
public sealed class AwsCli
{
    private static readonly Lazy<AwsCli?> Located = new(Locate);

    private readonly string _fileName;
    private readonly string[] _prefixArguments;

    private AwsCli(string fileName, string[] prefixArguments)
    {
        _fileName = fileName;
        _prefixArguments = prefixArguments;
    }

    /// <summary>Gets the CLI found on this machine, or <see langword="null"/>.</summary>
    public static AwsCli? Instance => Located.Value;

    /// <summary>Gets the CLI, skipping (or in CI failing) the test when it is missing.</summary>
    public static AwsCli Require()
    {
        RequiresServer.Available(Instance is not null, "The AWS CLI ('aws' or 'python3 -m awscli') is not installed.");
        return Instance!;
    }

    public Task<ProcessResult> RunAsync(
        IEnumerable<string> arguments,
        string accessKeyId,
        string secretAccessKey,
        string? sessionToken = null,
        string region = "us-east-1",
        CancellationToken cancellationToken = default)
    {
        var environment = new Dictionary<string, string?>
        {
            ["AWS_ACCESS_KEY_ID"] = accessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = secretAccessKey,
            ["AWS_DEFAULT_REGION"] = region,
            ["AWS_CONFIG_FILE"] = "/dev/null",
            ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null",
            ["AWS_EC2_METADATA_DISABLED"] = "true",
            ["AWS_PAGER"] = string.Empty,
            ["AWS_MAX_ATTEMPTS"] = "1",
            ["AWS_RETRY_MODE"] = "standard",
        };
        if (sessionToken is not null)
        {
            environment["AWS_SESSION_TOKEN"] = sessionToken;
        }

        return ProcessRunner.RunAsync(
            _fileName,
            [.. _prefixArguments, .. arguments, "--output", "json"],
            environment,
            clearAwsEnvironment: true,
            TimeSpan.FromSeconds(60),
            cancellationToken);
    }

    private static AwsCli? Locate()
    {
        if (ExecutableLocator.Find("aws") is { } aws)
        {
            return new AwsCli(aws, []);
        }

        if (ExecutableLocator.Find("python3") is { } python)
        {
            var probe = ProcessRunner.RunAsync(python, ["-c", "import awscli"], new Dictionary<string, string?>(), false, TimeSpan.FromSeconds(30))
                .GetAwaiter().GetResult();
            if (probe.ExitCode == 0)
            {
                return new AwsCli(python, ["-m", "awscli"]);
            }
        }

        return null;
    }
}
