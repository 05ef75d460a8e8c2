using System.Net;
using AssumeRole.Extensions.Sts;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Second review of issue #13: the check of STS's text joined letters across words and ARNs, so ordinary AccessDenied
/// texts were withheld — an external ID "acme-prod-2024" against the role acme-prod-reader, an external ID equal to the
/// account id in the ARNs, "s-not-a" found across "is not authorized". And a fullwidth echo was not recognized.
/// </summary>
public sealed class IssuesTestsStsTextWithheldTooOften
{
    private const string Denied = "User: arn:aws:sts::123456789012:assumed-role/Source/i-1 is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/";

    public static TheoryData<string, string> HonestTexts => new()
    {
        { "acme-prod-2024", Denied + "acme-prod-reader" },
        { "123456789012", Denied + "Demo" },
        { "s-not-a", Denied + "Demo" },
        { "Prod2024x", "Value 'x' at 'durationSeconds' failed: Prod 2024x is not an option." },
    };

    public static TheoryData<string, string> Echoes => new()
    {
        { "acme-prod-2024", "1 validation error detected: Value 'acme-prod-2024' at 'externalId' failed" },
        { "123456789012", "Value '123456789012' at 'externalId' failed to satisfy constraint" },
        { "s-not-a", "Value 's-not-a' at 'externalId'" },
        { "acme-prod-2024", "Value 'ａｃｍｅ－ｐｒｏｄ－２０２４' at 'externalId'" },
        { "acme-prod-2024", "Value 'x' at 'externalId' (acme-prod-2024)." },
    };

    [Theory]
    [MemberData(nameof(HonestTexts))]
    public void MayQuoteSecret_MatchOnlyAcrossWordsOrInsideArns_Kept(string externalId, string text) =>
        Assert.False(StsMessage.MayQuoteSecret(text, externalId));

    [Theory]
    [MemberData(nameof(Echoes))]
    public void MayQuoteSecret_SecretEchoedInAWord_Withheld(string externalId, string text) =>
        Assert.True(StsMessage.MayQuoteSecret(text, externalId));

    [Fact]
    public async Task Fetch_AccessDeniedWithRoleNameLikeTheExternalId_TextKept()
    {
        var engine = new Fakes.TestEngine();
        engine.Sts.FailNext(new StsCallException("AccessDenied", Denied + "acme-prod-reader", HttpStatusCode.Forbidden, "req-1", isTransient: false));
        using var provider = engine.Create(o => o.ExternalId = "acme-prod-2024");

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

        Assert.Contains(Denied + "acme-prod-reader", ex.Message, StringComparison.Ordinal);
    }
}
