using System.Globalization;
using System.Net;
using System.Xml.Linq;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Testing;

namespace AssumeRole.Extensions.IntegrationTests.Emulator;

/// <summary>What is on the wire: headers, XML documents, element order and the Query protocol's list encodings.</summary>
public sealed class StsEmulatorWireFormatTests : IAsyncLifetime
{
    private const string RoleArn = "arn:aws:iam::123456789012:role/Deploy";
    private static readonly XNamespace Sts = "https://sts.amazonaws.com/doc/2011-06-15/";

    private EmulatorFixture _sts = null!;
    private EmulatedUser _alice = null!;

    public async ValueTask InitializeAsync()
    {
        _sts = await EmulatorFixture.StartAsync();
        _alice = _sts.Emulator.AddUser("alice");
        _sts.Emulator.AddRole(RoleArn, role => role.AllowTagsAndSourceIdentity());
    }

    public ValueTask DisposeAsync() => _sts.DisposeAsync();

    [Fact]
    public async Task AssumeRole_Response_HeadersAndXmlAsSts()
    {
        // Move the emulator clock away from the real one (inside the skew window) to prove Date comes from it.
        _sts.Time.Advance(TimeSpan.FromMinutes(10));
        using var client = RawClient();

        using var response = await client.PostAsync(
            $"Action=AssumeRole&Version=2011-06-15&RoleArn={Uri.EscapeDataString(RoleArn)}&RoleSessionName=my-session");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/xml", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(_sts.Time.GetUtcNow().ToString("r", CultureInfo.InvariantCulture), response.Headers.GetValues("Date").Single());
        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();
        Assert.True(Guid.TryParse(requestId, out _));

        var xml = XDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(Sts + "AssumeRoleResponse", xml.Root!.Name);
        var result = xml.Root.Element(Sts + "AssumeRoleResult")!;
        Assert.Equal(["Credentials", "AssumedRoleUser"], result.Elements().Select(e => e.Name.LocalName));
        Assert.Equal(
            ["AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"],
            result.Element(Sts + "Credentials")!.Elements().Select(e => e.Name.LocalName));
        var expiration = result.Element(Sts + "Credentials")!.Element(Sts + "Expiration")!.Value;
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", expiration);
        Assert.Equal(
            _sts.Time.GetUtcNow().AddSeconds(3600).UtcDateTime,
            DateTime.Parse(expiration, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal),
            TimeSpan.FromSeconds(1));
        Assert.Equal(requestId, xml.Root.Element(Sts + "ResponseMetadata")!.Element(Sts + "RequestId")!.Value);
    }

    [Fact]
    public async Task Error_Document_RequestIdIsSiblingOfError()
    {
        using var client = RawClient();

        using var response = await client.PostAsync("Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FNope&RoleSessionName=s1");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var xml = XDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(Sts + "ErrorResponse", xml.Root!.Name);
        Assert.Equal(["Error", "RequestId"], xml.Root.Elements().Select(e => e.Name.LocalName));
        var error = xml.Root.Element(Sts + "Error")!;
        Assert.Equal(["Type", "Code", "Message"], error.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("Sender", error.Element(Sts + "Type")!.Value);
        Assert.Equal("AccessDenied", error.Element(Sts + "Code")!.Value);
        Assert.Equal(response.Headers.GetValues("x-amzn-RequestId").Single(), xml.Root.Element(Sts + "RequestId")!.Value);
    }

    [Fact]
    public async Task AssumeRole_ListEncodings_ParsedIncludingEmptyList()
    {
        using var client = RawClient();
        var form = string.Join('&',
            "Action=AssumeRole",
            "Version=2011-06-15",
            "RoleArn=" + Uri.EscapeDataString(RoleArn),
            "RoleSessionName=lists",
            "Tags.member.2.Key=Project",
            "Tags.member.2.Value=x%20y",
            "Tags.member.1.Key=Team",
            "Tags.member.1.Value=core",
            "TransitiveTagKeys.member.1=Team",
            "PolicyArns.member.1.arn=" + Uri.EscapeDataString("arn:aws:iam::aws:policy/ReadOnlyAccess"),
            "ProvidedContexts.member.1.ProviderArn=" + Uri.EscapeDataString("arn:aws:iam::aws:contextProvider/IdentityCenter"),
            "ProvidedContexts.member.1.ContextAssertion=assertion",
            "SourceIdentity=alice");

        using var response = await client.PostAsync(form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var call = Assert.Single(_sts.Emulator.Calls);
        Assert.Equal([new("Team", "core"), new("Project", "x y")], call.Tags);
        Assert.Equal(["Team"], call.TransitiveTagKeys);
        Assert.Equal(["arn:aws:iam::aws:policy/ReadOnlyAccess"], call.PolicyArns);
        var result = XDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Root!.Element(Sts + "AssumeRoleResult")!;
        Assert.Equal(["Credentials", "AssumedRoleUser", "PackedPolicySize", "SourceIdentity"], result.Elements().Select(e => e.Name.LocalName));

        using var empty = await client.PostAsync(
            $"Action=AssumeRole&Version=2011-06-15&RoleArn={Uri.EscapeDataString(RoleArn)}&RoleSessionName=empty&Tags=&PolicyArns=&TransitiveTagKeys=");
        Assert.Equal(HttpStatusCode.OK, empty.StatusCode);
        Assert.Empty(_sts.Emulator.Calls[1].Tags);
        var emptyResult = XDocument.Parse(await empty.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Root!.Element(Sts + "AssumeRoleResult")!;
        Assert.Null(emptyResult.Element(Sts + "PackedPolicySize"));
    }

    [Fact]
    public async Task Request_Unsigned_MissingAuthenticationToken()
    {
        using var client = RawClient();

        using var response = await client.PostAsync("Action=GetCallerIdentity&Version=2011-06-15", sign: false);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("<Code>MissingAuthenticationToken</Code>", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_UnknownAction_InvalidAction()
    {
        using var client = RawClient();

        using var response = await client.PostAsync("Action=GetFederationToken&Version=2011-06-15");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("<Code>InvalidAction</Code>", body, StringComparison.Ordinal);
        Assert.Contains("Could not find operation GetFederationToken for version 2011-06-15", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_BodyTamperedAfterSigning_SignatureDoesNotMatch()
    {
        using var client = RawClient();
        using var http = new HttpClient();

        // Sign one body, send another: the emulator hashes the raw bytes it received.
        using var signed = await client.PostAsync("Action=GetCallerIdentity&Version=2011-06-15");
        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
        using var tampered = new HttpRequestMessage(HttpMethod.Post, _sts.Emulator.Endpoint)
        {
            Content = new StringContent("Action=GetCallerIdentity&Version=2011-06-15&Extra=1", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        var amzDate = Testing.Signing.SigV4.FormatAmzDate(_sts.Time.GetUtcNow());
        tampered.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        tampered.Headers.TryAddWithoutValidation(
            "Authorization",
            $"AWS4-HMAC-SHA256 Credential={_alice.AccessKeyId}/{amzDate[..8]}/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature={new string('0', 64)}");
        using var response = await http.SendAsync(tampered, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("<Code>SignatureDoesNotMatch</Code>", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    private RawStsClient RawClient() => new(_sts.Emulator.Endpoint, _alice.AccessKeyId, _alice.SecretAccessKey, _sts.Time.GetUtcNow());
}
