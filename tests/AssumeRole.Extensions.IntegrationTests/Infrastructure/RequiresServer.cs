namespace AssumeRole.Extensions.IntegrationTests.Infrastructure;

/// <summary>
/// Guards tests that need an external server or tool (moto_server, redis-server, the AWS CLI). On a developer's
/// machine a missing tool skips the test with the reason; under <c>CI=true</c> it fails the test, so a broken CI image
/// cannot pass by skipping everything.
/// </summary>
public static class RequiresServer
{
    /// <summary>Gets a value indicating whether the run is a CI run (<c>CI=true</c>).</summary>
    public static bool IsCi =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Skips (or, in CI, fails) the current test unless <paramref name="available"/>.</summary>
    public static void Available(bool available, string reason)
    {
        if (available)
        {
            return;
        }

        if (IsCi)
        {
            Assert.Fail($"{reason} (CI=true: a missing server fails the run instead of skipping)");
        }

        Assert.Skip(reason);
    }

    /// <summary>Skips (or, in CI, fails) the current test when <paramref name="unavailableReason"/> is set.</summary>
    public static void Available(string? unavailableReason) => Available(unavailableReason is null, unavailableReason ?? string.Empty);
}
