using System.Globalization;
using System.Text;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using AssumeRole.Extensions.Testing.Actions;
using AssumeRole.Extensions.Testing.Protocol;
using AssumeRole.Extensions.Validation;
using CsCheck;

namespace AssumeRole.Extensions.IntegrationTests.Validation;

/// <summary>
/// The differential test of issue #13: for every row of STS's input table, values generated from the whole Unicode
/// range and the field's edges are judged by our validator (<see cref="StsConstraints"/>) and by the
/// <c>StsEmulator</c> — an independent implementation written from the STS model — and the verdicts must agree.
/// </summary>
/// <remarks>
/// <para>
/// The bulk of the values goes to the emulator's validator directly (the same code its HTTP pipeline runs, in STS's
/// order), which is what makes ≥ 10,000 values per field affordable; a smaller sample of each field goes over HTTP with
/// the real SDK client, to prove the wire (form encoding of any Unicode, the SDK's serialization) changes no verdict.
/// moto_server validates one of these fields (AssumeRole's RoleSessionName, length only, in moto 5.2.1's
/// <c>sts/responses.py</c>): that row is compared with moto over HTTP too.
/// </para>
/// <para>
/// Generation is deterministic (CsCheck generators driven by a fixed PCG seed), so CI runs the same values every time.
/// The count per field is <c>ASSUMEROLE_DIFFERENTIAL_ITERATIONS</c> (default 2,000; the documented long run uses
/// 10,000: see the README). Disagreements are collected, not shrunk: the message lists the first ones per field.
/// </para>
/// </remarks>
public sealed class StsConstraintsDifferentialTests(MotoServerFixture moto) : IClassFixture<MotoServerFixture>
{
    private const string ValidRole = "arn:aws:iam::123456789012:role/Target";
    private const string Provider = "arn:aws:iam::aws:contextProvider/IdentityCenter";
    private const ulong Seed = 20261202;
    private const string SessionNameAlphabet = "abcXYZ019_+=,.@-";

    private static readonly int Iterations = int.TryParse(Environment.GetEnvironmentVariable("ASSUMEROLE_DIFFERENTIAL_ITERATIONS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 2000;

    public static TheoryData<string> Fields => [.. FieldRows.Keys];

    private static Dictionary<string, (Gen<string> Gen, Func<string, bool> Ours)> FieldRows => new()
    {
        ["RoleArn"] = (Gen.Frequency((3, StsInputGenerators.Arn("role", "abcXYZ019_+=,.@-", 64)), (1, StsInputGenerators.Field("arn:iam/role0123456789", 20, 2048))), StsConstraints.RoleArn.IsValid),
        ["RoleSessionName"] = (StsInputGenerators.Field(SessionNameAlphabet, 2, 64), StsConstraints.RoleSessionName.IsValid),
        ["ExternalId"] = (StsInputGenerators.Field(SessionNameAlphabet + ":/", 2, 1224), StsConstraints.ExternalId.IsValid),
        ["SerialNumber"] = (StsInputGenerators.Field(SessionNameAlphabet + ":/", 9, 256), StsConstraints.SerialNumber.IsValid),
        ["TokenCode"] = (StsInputGenerators.Field("0123456789", 6, 6), StsConstraints.TokenCode.IsValid),
        ["SourceIdentity"] = (Gen.Frequency((5, StsInputGenerators.Field(SessionNameAlphabet, 2, 64)), (1, StsInputGenerators.Field(SessionNameAlphabet, 2, 60).Select(s => "aws:" + s))), StsConstraints.SourceIdentity.IsValid),
        ["Policy"] = (StsInputGenerators.Policy(), StsConstraints.Policy.IsValid),
        ["PolicyArn"] = (StsInputGenerators.Arn("policy", "abcXYZ019_+=,.@-", 128), StsConstraints.PolicyArn.IsValid),
        ["TagKey"] = (StsInputGenerators.Field("aZé東٣ _.:/=+-@\u2028", 1, 128), StsConstraints.TagKey.IsValid),
        ["TagValue"] = (StsInputGenerators.Field("aZé東٣ _.:/=+-@\u3000", 0, 256), StsConstraints.TagValue.IsValid),
        ["ProviderArn"] = (StsInputGenerators.Field("arn:aws/IdentityCenter\u00E9\t", 20, 2048), StsConstraints.ProviderArn.IsValid),
        ["ContextAssertion"] = (StsInputGenerators.Field("abcXYZ019+/=", 4, 2048), StsConstraints.ContextAssertion.IsValid),
        ["DurationSeconds"] = (Gen.Frequency((3, Gen.Int[-1, 50000]), (1, Gen.OneOf(899, 900, 43200, 43201, int.MinValue, int.MaxValue))).Select(i => i.ToString(CultureInfo.InvariantCulture)),
            v => StsConstraints.CheckRange("DurationSeconds", int.Parse(v, CultureInfo.InvariantCulture), StsConstraints.MinDuration, StsConstraints.MaxDuration) is null),
    };

    [Theory]
    [MemberData(nameof(Fields))]
    public void Verdict_GeneratedValues_SameAsEmulator(string field)
    {
        var (gen, ours) = FieldRows[field];
        var disagreements = new List<string>();
        var accepted = 0;
        foreach (var value in Generate(gen, Iterations, field))
        {
            var expected = ours(value);
            accepted += expected ? 1 : 0;
            if (expected != EmulatorAccepts(field, value))
            {
                disagreements.Add($"{(expected ? "we accept, emulator refuses" : "we refuse, emulator accepts")}: {Show(value)}");
            }
        }

        Assert.True(disagreements.Count == 0, $"{field}: {disagreements.Count} of {Iterations} disagree; first: {string.Join(" | ", disagreements.Take(5))}");

        // Both verdicts must occur, or the generator proves nothing about the boundary.
        Assert.InRange(accepted, Iterations / 50, Iterations - (Iterations / 50));
    }

    [Theory]
    [MemberData(nameof(Fields))]
    public async Task Verdict_SampleOverHttpWithSdkClient_SameAsOurs(string field)
    {
        await using var sts = await EmulatorFixture.StartAsync();
        var alice = sts.Emulator.AddUser("alice");
        using var client = new AmazonSecurityTokenServiceClient(new BasicAWSCredentials(alice.AccessKeyId, alice.SecretAccessKey), sts.Config());
        var (gen, ours) = FieldRows[field];
        var disagreements = new List<string>();

        // Lone surrogates cannot be sent as UTF-8 (the SDK would send U+FFFD instead): the direct test covers them.
        foreach (var value in Generate(gen, Math.Max(50, Iterations / 20), field).Where(IsWellFormed))
        {
            var accepted = await AcceptedOverHttpAsync(client, field, value, TestContext.Current.CancellationToken);
            if (accepted != ours(value))
            {
                disagreements.Add($"{(accepted ? "emulator (HTTP) accepts" : "emulator (HTTP) refuses")}: {Show(value)}");
            }
        }

        Assert.True(disagreements.Count == 0, $"{field}: {string.Join(" | ", disagreements.Take(5))}");
    }

    [Fact]
    public async Task Verdict_RoleSessionNameLength_SameAsMoto()
    {
        RequiresServer.Available(moto.UnavailableReason);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var disagreements = new List<string>();
        var count = Math.Max(200, Iterations / 10);
        foreach (var name in Generate(StsInputGenerators.FromAlphabet(SessionNameAlphabet, 2, 200), count, "moto").Where(s => s.Length >= 2 && s.All(c => SessionNameAlphabet.Contains(c, StringComparison.Ordinal))))
        {
            var form = $"Action=AssumeRole&Version=2011-06-15&RoleArn={Uri.EscapeDataString(ValidRole)}&RoleSessionName={Uri.EscapeDataString(name)}";
            using var message = new HttpRequestMessage(HttpMethod.Post, moto.Endpoint) { Content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded") };

            // moto routes by the service in the credential scope (it does not check the signature).
            message.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0");
            using var response = await http.SendAsync(message, TestContext.Current.CancellationToken);
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            var motoAccepts = !body.Contains("<Code>ValidationError</Code>", StringComparison.Ordinal);
            if (motoAccepts != StsConstraints.RoleSessionName.IsValid(name))
            {
                disagreements.Add($"moto {(motoAccepts ? "accepts" : "refuses")} a name of {name.Length} characters");
            }
        }

        Assert.True(disagreements.Count == 0, string.Join(" | ", disagreements.Take(5)));
    }

    /// <summary>The same values every run: CsCheck generators driven by one PCG stream per field.</summary>
    internal static List<string> Generate(Gen<string> gen, int count, string field)
    {
        // A stable per-field stream: string.GetHashCode is randomized per process, which made the values (and the
        // accepted/refused mix the test checks) differ from run to run.
        var stream = field.Aggregate(17u, (h, c) => unchecked((h * 31) + c)) & 0x7FFF_FFFF;
        var pcg = new PCG(stream, Seed);
        var values = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            values.Add(gen.Generate(pcg, null, out _));
        }

        return values;
    }

    /// <summary>The emulator's verdict: its model checks, then its semantic checks, in STS's order.</summary>
    private static bool EmulatorAccepts(string field, string value)
    {
        var request = RequestWith(field, value);
        var errors = new ValidationErrors();
        SessionRequestValidator.ValidateRoleArnAndSessionName(errors, request);
        SessionRequestValidator.ValidateSessionPolicies(errors, request);
        SessionRequestValidator.ValidateDuration(errors, request, 900, 43200);
        SessionRequestValidator.ValidateTags(errors, request);
        SessionRequestValidator.ValidateAssumeRoleExtras(errors, request);
        try
        {
            errors.ThrowIfAny();
            SessionRequestValidator.CheckSemantics(request);
            SessionRequestValidator.CheckPolicy(request);
            return true;
        }
        catch (StsException ex)
        {
            // The packed size is STS's own budget for policies and tags together, not an input rule of a field.
            return ex.Code == "PackedPolicyTooLarge";
        }
    }

    private static SessionRequest RequestWith(string field, string v) => new()
    {
        Action = "AssumeRole",
        RoleArn = field == "RoleArn" ? v : ValidRole,
        RoleSessionName = field == "RoleSessionName" ? v : "session",
        ExternalId = field == "ExternalId" ? v : null,
        SerialNumber = field == "SerialNumber" ? v : null,
        TokenCode = field == "TokenCode" ? v : null,
        SourceIdentity = field == "SourceIdentity" ? v : null,
        Policy = field == "Policy" ? v : null,
        PolicyArns = field == "PolicyArn" ? [v] : null,
        Tags = field switch { "TagKey" => [(v, "x")], "TagValue" => [("k", v)], _ => null },
        ProvidedContexts = field switch { "ProviderArn" => [(v, "assertion")], "ContextAssertion" => [(Provider, v)], _ => null },
        DurationSecondsText = field == "DurationSeconds" ? v : null,
        DurationSeconds = field == "DurationSeconds" ? int.Parse(v, CultureInfo.InvariantCulture) : null,
    };

    private static async Task<bool> AcceptedOverHttpAsync(AmazonSecurityTokenServiceClient client, string field, string v, CancellationToken ct)
    {
        var request = new AssumeRoleRequest { RoleArn = ValidRole, RoleSessionName = "session" };
        switch (field)
        {
            case "RoleArn": request.RoleArn = v; break;
            case "RoleSessionName": request.RoleSessionName = v; break;
            case "ExternalId": request.ExternalId = v; break;
            case "SerialNumber": request.SerialNumber = v; break;
            case "TokenCode": request.TokenCode = v; break;
            case "SourceIdentity": request.SourceIdentity = v; break;
            case "Policy": request.Policy = v; break;
            case "PolicyArn": request.PolicyArns = [new PolicyDescriptorType { Arn = v }]; break;
            case "TagKey": request.Tags = [new Tag { Key = v, Value = "x" }]; break;
            case "TagValue": request.Tags = [new Tag { Key = "k", Value = v }]; break;
            case "ProviderArn": request.ProvidedContexts = [new ProvidedContext { ProviderArn = v, ContextAssertion = "assertion" }]; break;
            case "ContextAssertion": request.ProvidedContexts = [new ProvidedContext { ProviderArn = Provider, ContextAssertion = v }]; break;
            case "DurationSeconds": request.DurationSeconds = int.Parse(v, CultureInfo.InvariantCulture); break;
        }

        try
        {
            await client.AssumeRoleAsync(request, ct);
            return true;
        }
        catch (AmazonSecurityTokenServiceException ex) when (ex.ErrorCode is "AccessDenied" or "PackedPolicyTooLarge")
        {
            // The role does not exist, or policy and tags exceed the packed budget: the input itself passed.
            return true;
        }
        catch (AmazonSecurityTokenServiceException ex) when (ex.ErrorCode is "ValidationError" or "MalformedPolicyDocument" or "InvalidParameterValue")
        {
            return false;
        }
    }

    private static bool IsWellFormed(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static string Show(string value) => SafeText.Quote(value) + " [" + string.Join(' ', value.Take(12).Select(c => ((int)c).ToString("X4", CultureInfo.InvariantCulture))) + "]";
}
