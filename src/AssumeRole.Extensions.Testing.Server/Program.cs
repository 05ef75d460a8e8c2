// sts-emulator: StsEmulator as a process, configured from a JSON file.
//
//   dotnet run --project src/AssumeRole.Extensions.Testing.Server -- --config sts-emulator.json [--port 4599]
//
// Prints "Listening on http://127.0.0.1:PORT/" once it accepts requests, then runs until Ctrl+C or SIGTERM.
using System.Runtime.InteropServices;
using System.Text.Json;
using AssumeRole.Extensions.Testing;
using AssumeRole.Extensions.Testing.Server;

string? configPath = null;
int? port = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--config" when i + 1 < args.Length:
            configPath = args[++i];
            break;
        case "--port" when i + 1 < args.Length && int.TryParse(args[i + 1], out var p):
            port = p;
            i++;
            break;
        case "-h" or "--help":
            Console.WriteLine("Usage: sts-emulator [--config FILE] [--port PORT]   (FILE: see the AssumeRole.Extensions.Testing README)");
            return 0;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: sts-emulator [--config FILE] [--port PORT]");
            return 2;
    }
}

EmulatorConfig config;
try
{
    config = configPath is null
        ? new EmulatorConfig()
        : JsonSerializer.Deserialize(File.ReadAllText(configPath), EmulatorConfigContext.Default.EmulatorConfig) ?? new EmulatorConfig();
}
catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"Cannot read the configuration '{configPath}': {ex.Message}");
    return 2;
}

StsEmulator sts;
try
{
    var options = new StsEmulatorOptions { Port = port ?? (config.Port is > 0 ? config.Port : null) };
    if (options.Port is < 1 or > 65535)
    {
        throw new ArgumentOutOfRangeException("port", options.Port, "port must be between 1 and 65535 (or 0/absent for a free port).");
    }

    if (config.Region is { } region)
    {
        // STS's region names: lower-case letters and digits in dash-separated parts, ending in a number (us-east-1).
        if (!System.Text.RegularExpressions.Regex.IsMatch(region, "^[a-z]{2}(-[a-z]+)+-[0-9]+$", System.Text.RegularExpressions.RegexOptions.CultureInvariant))
        {
            throw new ArgumentException($"region '{region}' is not an AWS region name (like us-east-1).", "region");
        }

        options.Region = region;
    }

    if (config.AccountId is { } account)
    {
        if (account.Length != 12 || !account.All(char.IsAsciiDigit))
        {
            throw new ArgumentException("accountId must be 12 digits.", "accountId");
        }

        options.AccountId = account;
    }

    if (config.RequireSigningRegion is { } requireRegion)
    {
        options.RequireSigningRegion = requireRegion;
    }

    if (config.AllowedClockSkew is { } skew)
    {
        options.AllowedClockSkew = skew;
    }

    sts = await StsEmulator.StartAsync(options);
}
catch (ArgumentException ex)
{
    // Out-of-range settings (negative skew, a port above 65535) and malformed names.
    Console.Error.WriteLine($"Invalid configuration '{configPath}': {ex.Message}");
    return 2;
}
catch (IOException ex)
{
    // Kestrel's "address already in use" and other bind failures.
    Console.Error.WriteLine($"Cannot listen on port {port ?? config.Port}: {ex.Message}");
    return 2;
}

await using var started = sts;
try
{
    EmulatorSetup.Apply(sts, config);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"Invalid configuration '{configPath}': {ex.Message}");
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

Console.WriteLine($"Listening on {sts.Endpoint} (region {sts.Region})");
foreach (var user in config.Users ?? [])
{
    // Key ids only: secrets stay in the configuration file.
    Console.WriteLine($"  user {user.Name} ({user.AccessKeyId})");
}

foreach (var role in config.Roles ?? [])
{
    Console.WriteLine($"  role {role.Arn}");
}

try
{
    await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, stop.Token);
}
catch (OperationCanceledException)
{
    // Stopped.
}

Console.WriteLine($"Stopped after {sts.Calls.Count} call(s).");
return 0;
