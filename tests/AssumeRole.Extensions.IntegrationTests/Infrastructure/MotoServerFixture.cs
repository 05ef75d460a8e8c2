using System.Diagnostics;
using System.Text;

namespace AssumeRole.Extensions.IntegrationTests.Infrastructure;

/// <summary>
/// Starts <c>moto_server</c> on a free loopback port and stops it on dispose. When moto is not installed the fixture
/// does not throw: it sets <see cref="UnavailableReason"/>, and tests call
/// <c>RequiresServer.Available(fixture.UnavailableReason)</c> to skip (or fail under CI).
/// </summary>
public sealed class MotoServerFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly StringBuilder _output = new();
    private Process? _process;

    /// <summary>Gets the server's base address, e.g. <c>http://127.0.0.1:PORT/</c>; valid when available.</summary>
    public Uri Endpoint { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Gets why the server is unavailable, or <see langword="null"/> when it runs.</summary>
    public string? UnavailableReason { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var command = Locate();
        if (command is null)
        {
            UnavailableReason = "moto_server is not installed (pip install 'moto[server]').";
            return;
        }

        // Another process can take the port between probing and binding; try a few ports before giving up.
        for (var attempt = 0; attempt < 3 && _process is null; attempt++)
        {
            var port = FreePort.Next();
            var process = Start(command.Value.FileName, [.. command.Value.Arguments, "-H", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            var endpoint = new Uri($"http://127.0.0.1:{port}/");
            if (await WaitUntilAnsweringAsync(process, endpoint))
            {
                _process = process;
                Endpoint = endpoint;
            }
            else
            {
                Stop(process);
            }
        }

        if (_process is null)
        {
            UnavailableReason = $"moto_server did not start within {StartTimeout}. Output:\n{Output}";
        }
    }

    /// <summary>Gets what the server has printed so far (for diagnosing a failing test).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Resets all of moto's state, so tests sharing the fixture do not see each other's resources.</summary>
    public async Task ResetAsync()
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync(new Uri(Endpoint, "moto-api/reset"), content: null);
        response.EnsureSuccessStatusCode();
    }

    public ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            Stop(_process);
            _process = null;
        }

        return ValueTask.CompletedTask;
    }

    private static (string FileName, string[] Arguments)? Locate()
    {
        if (ExecutableLocator.Find("moto_server") is { } motoServer)
        {
            return (motoServer, []);
        }

        if (ExecutableLocator.Find("python3") is { } python)
        {
            var probe = ProcessRunner.RunAsync(python, ["-c", "import moto.server"], new Dictionary<string, string?>(), false, TimeSpan.FromSeconds(30))
                .GetAwaiter().GetResult();
            if (probe.ExitCode == 0)
            {
                return (python, ["-m", "moto.server"]);
            }
        }

        return null;
    }

    private Process Start(string fileName, string[] arguments)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, line) => Append(line.Data);
        process.ErrorDataReceived += (_, line) => Append(line.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private static async Task<bool> WaitUntilAnsweringAsync(Process process, Uri endpoint)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (process.HasExited)
            {
                return false;
            }

            try
            {
                // Any HTTP answer means the server is up; moto answers the dashboard path without credentials.
                using var response = await http.GetAsync(new Uri(endpoint, "moto-api/"));
                return true;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            // Polling an external process's readiness; test logic itself never sleeps.
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        return false;
    }

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            process.Dispose();
        }
    }
}
