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

var options = new StsEmulatorOptions { Port = port ?? (config.Port is > 0 ? config.Port : null) };
if (config.Region is { } region)
{
    options.Region = region;
}

if (config.AccountId is { } account)
{
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

await using var sts = await StsEmulator.StartAsync(options);
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
