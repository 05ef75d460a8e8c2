using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace AssumeRole.Extensions.IntegrationTests.Infrastructure;

/// <summary>
/// Starts <c>redis-server</c> (Debian package <c>redis-server</c>) on a free loopback port, without persistence, and
/// stops it on dispose. When it is not installed, <see cref="UnavailableReason"/> says so and tests skip (or fail in CI).
/// </summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private Process? _process;

    /// <summary>Gets the <c>host:port</c> configuration string for StackExchange.Redis.</summary>
    public string Configuration { get; private set; } = string.Empty;

    public string? UnavailableReason { get; private set; }

    /// <summary>Starts a server of its own (for tests that pause or kill it).</summary>
    public static async Task<RedisServerFixture> StartNewAsync()
    {
        var fixture = new RedisServerFixture();
        await fixture.InitializeAsync();
        return fixture;
    }

    /// <summary>Freezes the server (SIGSTOP): connections stay open, nothing answers — a hung or overloaded Redis.</summary>
    public Task PauseAsync() => SignalAsync("-STOP");

    /// <summary>Lets a paused server run again (SIGCONT).</summary>
    public Task ResumeAsync() => SignalAsync("-CONT");

    /// <summary>Kills the server: connections are refused from now on.</summary>
    public void Kill()
    {
        if (_process is { } process)
        {
            Stop(process);
            _process = null;
        }
    }

    public async ValueTask InitializeAsync()
    {
        if (ExecutableLocator.Find("redis-server") is not { } server)
        {
            UnavailableReason = "redis-server is not installed (apt-get install -y redis-server).";
            return;
        }

        for (var attempt = 0; attempt < 3 && _process is null; attempt++)
        {
            var port = FreePort.Next().ToString(CultureInfo.InvariantCulture);
            var startInfo = new ProcessStartInfo(server) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            WithoutFakedClock(startInfo);
            foreach (var arg in new[] { "--port", port, "--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no", "--protected-mode", "yes" })
            {
                startInfo.ArgumentList.Add(arg);
            }

            var process = Process.Start(startInfo)!;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (await AnswersAsync(process, int.Parse(port, CultureInfo.InvariantCulture)))
            {
                _process = process;
                Configuration = $"127.0.0.1:{port}";
            }
            else
            {
                Stop(process);
            }
        }

        UnavailableReason = _process is null ? "redis-server did not start." : null;
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

    /// <summary>
    /// CI runs this suite under libfaketime (the wall clock a year off) to prove no test depends on the date.
    /// redis-server cannot run under it (libfaketime's clock_gettime hook recurses through jemalloc at start-up), so
    /// the server runs on the real clock. (Redis keeps TTLs relative, so its clock does not matter to the entries; the
    /// unit tests prove the lifetimes we write survive a cache whose clock disagrees with ours.)
    /// </summary>
    private static void WithoutFakedClock(ProcessStartInfo startInfo)
    {
        foreach (var name in startInfo.Environment.Keys.Where(k => k == "LD_PRELOAD" || k.StartsWith("FAKETIME", StringComparison.Ordinal)).ToList())
        {
            startInfo.Environment.Remove(name);
        }
    }

    private async Task SignalAsync(string signal)
    {
        var pid = _process?.Id ?? throw new InvalidOperationException("redis-server is not running.");
        var result = await ProcessRunner.RunAsync("kill", [signal, pid.ToString(CultureInfo.InvariantCulture)], new Dictionary<string, string?>(), false, TimeSpan.FromSeconds(10));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill {signal} {pid} failed: {result}");
        }
    }

    private static async Task<bool> AnswersAsync(Process process, int port)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(20) && !process.HasExited)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray());
                var buffer = new byte[16];
                var read = await stream.ReadAsync(buffer);
                if (read > 0 && buffer[0] == (byte)'+')
                {
                    return true;
                }
            }
            catch (SocketException)
            {
                // Not listening yet.
            }

            await Task.Delay(50);
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
                process.WaitForExit(5000);
            }
        }
        finally
        {
            process.Dispose();
        }
    }
}
