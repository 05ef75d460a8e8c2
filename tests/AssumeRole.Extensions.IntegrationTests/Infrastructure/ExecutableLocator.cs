namespace AssumeRole.Extensions.IntegrationTests.Infrastructure;

/// <summary>Finds an executable on PATH, then in the usual user-level tool folders a test runner's PATH may lack.</summary>
public static class ExecutableLocator
{
    public static string? Find(string name)
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat([Path.Combine(home, ".pyenv", "shims"), Path.Combine(home, ".local", "bin"), "/usr/local/bin", "/usr/bin"]);
        var extensions = OperatingSystem.IsWindows() ? new[] { ".exe", ".cmd", ".bat" } : [string.Empty];
        foreach (var directory in directories)
        {
            foreach (var extension in extensions)
            {
                var candidate = Path.Combine(directory, name + extension);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
