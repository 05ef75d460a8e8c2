using System.Text;
using System.Text.Json.Nodes;
using AssumeRole.Extensions.Tests.Fakes;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// The file cache served any well-formed file under the expected name: another role's entry copied over the name (its
/// <c>AssumedRoleUser.Arn</c> even named the other role), a hand-written entry with made-up keys and a 10-day expiry
/// (with the health check saying Healthy); it used a pre-existing 0777 directory as is, and followed a symbolic link
/// at the entry's path. Entries are now checked against the session they must be, and the directory and entries are
/// held to OpenSSH's rules for <c>~/.ssh</c>.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class IssuesTestsFileCacheTrustsAnyFile : IDisposable
{
    private const string Other = "arn:aws:iam::123456789012:role/Other";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "assume-role-trust-" + Guid.NewGuid().ToString("N"));
    private readonly string _directory;
    private readonly TestEngine _processA = new();
    private readonly TestEngine _processB;

    public IssuesTestsFileCacheTrustsAnyFile()
    {
        _directory = Path.Combine(_root, "cache");
        _processB = new TestEngine(time: _processA.Time, sts: _processA.Sts);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task Read_AnotherRolesEntryCopiedOverTheName_IsRefusedAndStsIsCalled()
    {
        var demoFile = await WriteEntryAsync(TestEngine.RoleArn);
        var otherFile = await WriteEntryAsync(Other);
        File.Copy(otherFile, demoFile, overwrite: true);

        using var b = _processB.Create(o => o.FileCacheDirectory = _directory);
        await b.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(b);

        Assert.Equal(3, _processA.Sts.CallCount);
        Assert.EndsWith(":assumed-role/Demo/test-session", b.AssumedRoleArn, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_HandWrittenEntryWithTenDayExpiry_IsRefusedAndStsIsCalled()
    {
        var file = await WriteEntryAsync(TestEngine.RoleArn);
        var doc = JsonNode.Parse(await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken))!;
        doc["Credentials"]!["AccessKeyId"] = "ASIAMADEUPMADEUPMADE";
        doc["Credentials"]!["Expiration"] = _processA.Time.GetUtcNow().AddDays(10).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        await File.WriteAllTextAsync(file, doc.ToJsonString(), TestContext.Current.CancellationToken);

        using var b = _processB.Create(o => o.FileCacheDirectory = _directory);
        var credentials = await b.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(b);

        Assert.NotEqual("ASIAMADEUPMADEUPMADE", credentials.AccessKey);
        Assert.Equal(2, _processA.Sts.CallCount);
    }

    [Fact]
    public async Task Write_DirectoryWritableByOthers_IsNotUsed()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix modes and links.");
        Directory.CreateDirectory(_directory);
        File.SetUnixFileMode(_directory, (UnixFileMode)0b111_111_111);

        using var a = _processA.Create(o => o.FileCacheDirectory = _directory);
        await a.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(a);

        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task Read_DirectoryWritableByOthers_EntryIsNotUsed()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix modes and links.");
        await WriteEntryAsync(TestEngine.RoleArn);
        File.SetUnixFileMode(_directory, (UnixFileMode)0b111_111_111);

        using var b = _processB.Create(o => o.FileCacheDirectory = _directory);
        await b.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(b);

        Assert.Equal(2, _processA.Sts.CallCount);
    }

    [Fact]
    public async Task Read_DirectoryIsASymbolicLink_EntryIsNotUsed()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix modes and links.");
        await WriteEntryAsync(TestEngine.RoleArn);
        var link = Path.Combine(_root, "link");
        Directory.CreateSymbolicLink(link, _directory);

        using var b = _processB.Create(o => o.FileCacheDirectory = link);
        await b.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(b);

        Assert.Equal(2, _processA.Sts.CallCount);
    }

    [Fact]
    public async Task Read_EntryIsASymbolicLink_IsNotFollowed()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix modes and links.");
        var file = await WriteEntryAsync(TestEngine.RoleArn);
        var elsewhere = Path.Combine(_root, "elsewhere.json");
        File.Move(file, elsewhere);
        File.CreateSymbolicLink(file, elsewhere);

        using var b = _processB.Create(o => o.FileCacheDirectory = _directory);
        await b.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(b);

        Assert.Equal(2, _processA.Sts.CallCount);
    }

    [Fact]
    public async Task Write_EntryIsASymbolicLink_ReplacesTheLinkNotItsTarget()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix modes and links.");
        var file = await WriteEntryAsync(TestEngine.RoleArn);
        var target = Path.Combine(_root, "target.txt");
        await File.WriteAllTextAsync(target, "not yours", TestContext.Current.CancellationToken);
        File.Delete(file);
        File.CreateSymbolicLink(file, target);

        // 56 of 60 minutes later the entry is due for refresh: process B calls STS and writes the entry.
        _processA.Time.Advance(TimeSpan.FromMinutes(56));
        using var b = _processB.Create(o => o.FileCacheDirectory = _directory);
        await b.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(b);

        Assert.Equal("not yours", await File.ReadAllTextAsync(target, TestContext.Current.CancellationToken));
        Assert.Null(new FileInfo(file).LinkTarget);
        Assert.Contains("\"AccessKeyId\"", Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_EntryWritableByOthers_IsRefused()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix modes and links.");
        var file = await WriteEntryAsync(TestEngine.RoleArn);
        File.SetUnixFileMode(file, (UnixFileMode)0b110_110_110);

        using var b = _processB.Create(o => o.FileCacheDirectory = _directory);
        await b.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(b);

        Assert.Equal(2, _processA.Sts.CallCount);
    }

    /// <summary>Process A assumes <paramref name="roleArn"/> with the file cache; returns the file it wrote.</summary>
    private async Task<string> WriteEntryAsync(string roleArn)
    {
        var before = Directory.Exists(_directory) ? Directory.GetFiles(_directory) : [];
        using var a = _processA.Create(o =>
        {
            o.RoleArn = roleArn;
            o.FileCacheDirectory = _directory;
        });
        await a.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await TestEngine.WhenStoredAsync(a);
        return Assert.Single(Directory.GetFiles(_directory).Except(before));
    }
}
