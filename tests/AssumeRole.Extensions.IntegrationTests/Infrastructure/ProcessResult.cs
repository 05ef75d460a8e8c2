namespace AssumeRole.Extensions.IntegrationTests.Infrastructure;

/// <summary>The outcome of a finished external process.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {StandardOutput}\nstderr: {StandardError}";
}
