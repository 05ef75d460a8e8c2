using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;

namespace AssumeRole.Extensions.IntegrationTests.Emulator;

/// <summary>
/// The emulator as a process (src/AssumeRole.Extensions.Testing.Server, the <c>sts-emulator</c> tool), configured
/// from a JSON file as the Testing README shows, used by the AWS CLI; and fixed keys for an emulated user in process.
/// </summary>
public sealed class StsEmulatorServerTests
{
    private const string KeyId = "AKIAFIXEDKEYTEST0001";
    private const string Secret = "fixed-test-secret-not-a-real-key-0000001";

    [Fact]
    public async Task AddUser_FixedKeys_SdkSignsWithThem()
    {
        await using var sts = await EmulatorFixture.StartAsync();
        var user = sts.Emulator.AddUser("ci", accountId: null, accessKeyId: KeyId, secretAccessKey: Secret);

        var identity = await sts.ClientFor(KeyId, Secret).GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestContext.Current.CancellationToken);

        Assert.Equal(user.Arn, identity.Arn);
        Assert.Throws<ArgumentException>(() => sts.Emulator.AddUser("other", null, KeyId, Secret));
        Assert.Throws<ArgumentException>(() => sts.Emulator.AddUser("half", null, "AKIAHALFKEY000000001", null));
    }

    [Fact]
    public async Task ServerProcess_JsonConfig_AwsCliAssumesTheConfiguredRole()
    {
        var cli = AwsCli.Require();
        var dll = ServerDll();
        RequiresServer.Available(File.Exists(dll), $"The emulator server is not built at {dll} (build the solution first).");
        var config = Path.Combine(Path.GetTempPath(), $"sts-emulator-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              // port 0: a free one, printed on start
              "port": 0,
              "region": "eu-west-1",
              "users": [ { "name": "ci", "accessKeyId": "{{KeyId}}", "secretAccessKey": "{{Secret}}" } ],
              "roles": [ { "arn": "arn:aws:iam::123456789012:role/Deploy", "trustedPrincipals": [ "arn:aws:iam::123456789012:user/ci" ] } ],
            }
            """, TestContext.Current.CancellationToken);
        using var server = Process.Start(new ProcessStartInfo("dotnet", [dll, "--config", config])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        try
        {
            var endpoint = await ReadEndpointAsync(server);

            var result = await cli.RunAsync(
                ["sts", "assume-role", "--endpoint-url", endpoint, "--role-arn", "arn:aws:iam::123456789012:role/Deploy", "--role-session-name", "from-cli"],
                KeyId,
                Secret,
                region: "eu-west-1",
                cancellationToken: TestContext.Current.CancellationToken);

            Assert.True(result.ExitCode == 0, result.ToString());
            using var json = JsonDocument.Parse(result.StandardOutput);
            Assert.Equal("arn:aws:sts::123456789012:assumed-role/Deploy/from-cli", json.RootElement.GetProperty("AssumedRoleUser").GetProperty("Arn").GetString());

            // The file's region is the signing region STS checks: the CLI signing for another one is refused.
            var wrongRegion = await cli.RunAsync(
                ["sts", "get-caller-identity", "--endpoint-url", endpoint], KeyId, Secret, region: "us-east-1", cancellationToken: TestContext.Current.CancellationToken);
            Assert.NotEqual(0, wrongRegion.ExitCode);
            Assert.Contains("SignatureDoesNotMatch", wrongRegion.StandardError, StringComparison.Ordinal);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(TestContext.Current.CancellationToken);
            File.Delete(config);
        }
    }

    [Fact]
    public async Task ServerProcess_UserWithoutFixedKeys_RefusesToStart()
    {
        var dll = ServerDll();
        RequiresServer.Available(File.Exists(dll), $"The emulator server is not built at {dll} (build the solution first).");
        var config = Path.Combine(Path.GetTempPath(), $"sts-emulator-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, """{ "port": 0, "users": [ { "name": "ci" } ] }""", TestContext.Current.CancellationToken);
        try
        {
            using var server = Process.Start(new ProcessStartInfo("dotnet", [dll, "--config", config]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var error = await server.StandardError.ReadToEndAsync(bound.Token);
            await server.WaitForExitAsync(bound.Token);

            Assert.Equal(2, server.ExitCode);
            Assert.Contains("needs an accessKeyId and a secretAccessKey", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Theory]
    [InlineData("""{ "allowedClockSkew": "-00:15:00" }""", "Invalid configuration")]
    [InlineData("""{ "port": 70000 }""", "port must be between 1 and 65535")]
    [InlineData("""{ "port": 0, "region": "not a region" }""", "is not an AWS region name")]
    [InlineData("""{ "port": 0, "accountId": "12" }""", "accountId must be 12 digits")]
    [InlineData("""{ "port": 0, "users": [ null ] }""", "users[0] is null")]
    [InlineData("""{ "port": 0, "roles": [ null ] }""", "roles[0] is null")]
    public async Task ServerProcess_BadSetting_ExitsWithAMessageNotAStackTrace(string json, string expected)
    {
        // Review of issue 15: these crashed with an unhandled exception (exit 134) or were accepted silently. Audit of
        // issue 15: a null entry in "users" or "roles" still crashed (NullReferenceException in EmulatorSetup, exit 134).
        var (exitCode, error) = await RunToExitAsync(json, []);

        Assert.Equal(2, exitCode);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerProcess_PortInUse_ExitsWithAMessageNotAStackTrace()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;

        var (exitCode, error) = await RunToExitAsync("{}", ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        Assert.Equal(2, exitCode);
        Assert.Contains($"Cannot listen on port {port}", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Error)> RunToExitAsync(string json, string[] extraArgs)
    {
        var dll = ServerDll();
        RequiresServer.Available(File.Exists(dll), $"The emulator server is not built at {dll} (build the solution first).");
        var config = Path.Combine(Path.GetTempPath(), $"sts-emulator-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, json, TestContext.Current.CancellationToken);
        try
        {
            using var server = Process.Start(new ProcessStartInfo("dotnet", [dll, "--config", config, .. extraArgs]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            try
            {
                // Bounded by real time: a server that started after all fails the test (and is killed below).
                using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                var output = server.StandardOutput.ReadToEndAsync(bound.Token);
                var error = await server.StandardError.ReadToEndAsync(bound.Token);
                await output;
                await server.WaitForExitAsync(bound.Token);
                return (server.ExitCode, error);
            }
            finally
            {
                if (!server.HasExited)
                {
                    server.Kill(entireProcessTree: true);
                }
            }
        }
        finally
        {
            File.Delete(config);
        }
    }

    private static async Task<string> ReadEndpointAsync(Process server)
    {
        // Bounded by real time: a starting process on a loaded machine can take seconds.
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await server.StandardOutput.ReadLineAsync(bound.Token) is { } line)
        {
            if (line.StartsWith("Listening on ", StringComparison.Ordinal))
            {
                return line["Listening on ".Length..].Split(' ')[0];
            }
        }

        throw new InvalidOperationException("The emulator process exited before listening: " + await server.StandardError.ReadToEndAsync(bound.Token));
    }

    /// <summary>The server built in the same configuration as this test assembly.</summary>
    private static string ServerDll()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name; // bin/<Configuration>/net10.0
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AssumeRole.Extensions.sln")))
            {
                return Path.Combine(dir.FullName, "src", "AssumeRole.Extensions.Testing.Server", "bin", configuration, "net10.0", "AssumeRole.Extensions.Testing.Server.dll");
            }
        }

        return "AssumeRole.Extensions.Testing.Server.dll";
    }
}
