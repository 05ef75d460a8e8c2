using System.Globalization;
using System.Xml.Linq;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Testing;

namespace AssumeRole.Extensions.IntegrationTests.Emulator;

/// <summary>
/// The emulator and moto_server, asked the same AssumeRole and GetCallerIdentity questions, answer in the same shape.
/// Known, deliberate differences: moto stamps Expiration with microseconds (STS usually sends none) and always sends
/// PackedPolicySize (STS only with a policy or tags), so the requests here carry a policy.
/// </summary>
public sealed class StsEmulatorMotoParityTests(MotoServerFixture moto) : IClassFixture<MotoServerFixture>, IAsyncLifetime
{
    private const string RoleArn = "arn:aws:iam::123456789012:role/ops/Deploy";
    private const string Policy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}""";
    private static readonly XNamespace Sts = "https://sts.amazonaws.com/doc/2011-06-15/";

    private EmulatorFixture _sts = null!;
    private EmulatedUser _alice = null!;

    public async ValueTask InitializeAsync()
    {
        _sts = await EmulatorFixture.StartAsync();
        _alice = _sts.Emulator.AddUser("alice");
        _sts.Emulator.AddRole(RoleArn);
    }

    public ValueTask DisposeAsync() => _sts.DisposeAsync();

    [Fact]
    public async Task AssumeRole_SameXmlShapeAsMoto()
    {
        RequiresServer.Available(moto.UnavailableReason);
        var form = $"Action=AssumeRole&Version=2011-06-15&RoleArn={Uri.EscapeDataString(RoleArn)}&RoleSessionName=my-session&DurationSeconds=1800&Policy={Uri.EscapeDataString(Policy)}";

        var emulatorXml = await PostAsync(_sts.Emulator.Endpoint, form);
        var motoXml = await PostAsync(moto.Endpoint, form);

        foreach (var xml in new[] { emulatorXml, motoXml })
        {
            Assert.Equal(Sts + "AssumeRoleResponse", xml.Root!.Name);
            Assert.NotNull(xml.Root.Element(Sts + "ResponseMetadata")?.Element(Sts + "RequestId"));
        }

        Assert.Equal(ChildNames(motoXml, "AssumeRoleResult"), ChildNames(emulatorXml, "AssumeRoleResult"));
        Assert.Equal(ChildNames(motoXml, "Credentials"), ChildNames(emulatorXml, "Credentials"));
        Assert.Equal(ChildNames(motoXml, "AssumedRoleUser"), ChildNames(emulatorXml, "AssumedRoleUser"));
        Assert.Equal(Value(motoXml, "Arn"), Value(emulatorXml, "Arn"));
        Assert.Equal("arn:aws:sts::123456789012:assumed-role/Deploy/my-session", Value(emulatorXml, "Arn"));

        foreach (var xml in new[] { emulatorXml, motoXml })
        {
            Assert.Matches("^ASIA[A-Z0-9]{16}$", Value(xml, "AccessKeyId"));
            Assert.Equal(40, Value(xml, "SecretAccessKey").Length);
            Assert.Matches("^AROA[A-Z0-9]+:my-session$", Value(xml, "AssumedRoleId"));
            Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$", Value(xml, "Expiration"));
            Assert.True(int.Parse(Value(xml, "PackedPolicySize"), CultureInfo.InvariantCulture) > 0);
        }

        // Same lifetime: both honour DurationSeconds (each measured on its own clock).
        var emulatorLifetime = ParseUtc(Value(emulatorXml, "Expiration")) - _sts.Time.GetUtcNow();
        var motoLifetime = ParseUtc(Value(motoXml, "Expiration")) - TimeProvider.System.GetUtcNow();
        Assert.InRange(emulatorLifetime, TimeSpan.FromSeconds(1798), TimeSpan.FromSeconds(1800));
        Assert.InRange(motoLifetime, TimeSpan.FromSeconds(1770), TimeSpan.FromSeconds(1800));
    }

    [Fact]
    public async Task GetCallerIdentity_WithAssumedRoleCredentials_SameAnswerShapeAsMoto()
    {
        RequiresServer.Available(moto.UnavailableReason);
        var ct = TestContext.Current.CancellationToken;

        var fromEmulator = await AssumeThenIdentifyAsync(_sts.Config(), new BasicAWSCredentials(_alice.AccessKeyId, _alice.SecretAccessKey), ct);
        var motoConfig = new AmazonSecurityTokenServiceConfig { ServiceURL = moto.Endpoint.ToString(), AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 };
        var fromMoto = await AssumeThenIdentifyAsync(motoConfig, new BasicAWSCredentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), ct);

        foreach (var (assumed, identity) in new[] { fromEmulator, fromMoto })
        {
            Assert.Equal(assumed.AssumedRoleUser.Arn, identity.Arn);
            Assert.Matches("^AROA[A-Z0-9]+:parity$", identity.UserId);
            Assert.Equal("123456789012", identity.Account);
        }

        // moto invents a new role id on every call for a role its IAM does not hold; AWS (and the emulator) keep one.
        Assert.Equal(fromEmulator.Assumed.AssumedRoleUser.AssumedRoleId, fromEmulator.Identity.UserId);

        Assert.Equal(fromMoto.Identity.Arn, fromEmulator.Identity.Arn);
    }

    private static async Task<(AssumeRoleResponse Assumed, GetCallerIdentityResponse Identity)> AssumeThenIdentifyAsync(
        AmazonSecurityTokenServiceConfig config, AWSCredentials credentials, CancellationToken ct)
    {
        using var client = new AmazonSecurityTokenServiceClient(credentials, config);
        var assumed = await client.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = RoleArn, RoleSessionName = "parity" }, ct);
        var session = new SessionAWSCredentials(assumed.Credentials.AccessKeyId, assumed.Credentials.SecretAccessKey, assumed.Credentials.SessionToken);
        using var sessionClient = new AmazonSecurityTokenServiceClient(session, config);
        return (assumed, await sessionClient.GetCallerIdentityAsync(new GetCallerIdentityRequest(), ct));
    }

    private async Task<XDocument> PostAsync(Uri endpoint, string form)
    {
        using var client = new RawStsClient(endpoint, _alice.AccessKeyId, _alice.SecretAccessKey, _sts.Time.GetUtcNow());
        using var response = await client.PostAsync(form);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{endpoint}: {(int)response.StatusCode} {body}");
        return XDocument.Parse(body);
    }

    private static List<string> ChildNames(XDocument xml, string element) =>
        [.. xml.Descendants(Sts + element).Single().Elements().Select(e => e.Name.LocalName).Order(StringComparer.Ordinal)];

    private static string Value(XDocument xml, string element) => xml.Descendants(Sts + element).Single().Value;

    private static DateTimeOffset ParseUtc(string value) =>
        DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
