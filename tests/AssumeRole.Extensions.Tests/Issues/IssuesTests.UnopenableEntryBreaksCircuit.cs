using System.Net.Sockets;
using AssumeRole.Extensions.Caching;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Review 11 (attack): an entry that cannot be opened for a reason other than "missing" or "a link" (a socket at its
/// name: ENXIO; an unreadable mode: EACCES) is thrown as an IOException, i.e. a failure of the cache, not a refused
/// entry. Two of them open the directory's circuit, so one odd file turns the file cache off for every session of
/// the directory for a break interval, again and again.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class IssuesTestsUnopenableEntryBreaksCircuit : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "assume-role-socket-" + Guid.NewGuid().ToString("N"));

    public IssuesTestsUnopenableEntryBreaksCircuit() =>
        Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Read_EntryIsASocket_IsARefusedEntryNotACacheFailure()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && UnixFiles.IsSupported, "Handle-relative file calls are Linux only.");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(Path.Combine(_directory, "entry.json")));
        var guard = SecondLevelGuard.ForDirectory(_directory, "file", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), new FakeTimeProvider(DateTimeOffset.UtcNow), NullLogger.Instance);
        var cache = new FileSessionCache(_directory, awsCliName: null, guard, NullLogger.Instance);

        var failure = await Record.ExceptionAsync(() => cache.ReadAsync("entry", TestContext.Current.CancellationToken));

        Assert.IsType<RefusedEntryException>(failure);
    }
}
