using AssumeRole.Extensions.Tests.Fakes;
using AssumeRole.Extensions.Validation;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Review of issue #13, finding 6 and the tag-key suspicion: STS's patterns are read by <c>java.util.regex</c> and its
/// strings compared by Java. The ARN set's tail <c>\u10000-\u10FFFF</c> is <c>\u1000</c>, <c>0-\u10FF</c>, <c>F</c>,
/// <c>F</c> to Java (17 and 25), so U+007F–U+0084 and U+0086–U+009F are ARN characters, which we refused; and
/// <c>equalsIgnoreCase</c> takes the Kelvin sign for <c>k</c>, which we took for a different tag key.
/// </summary>
public sealed class IssuesTestsJavaReadingsOfStsPatterns
{
    private const string Provider = "arn:aws:iam::aws:contextProvider/IdentityCenter";

    [Theory]
    [InlineData("\u007F", true)]
    [InlineData("\u0080", true)]
    [InlineData("\u0084", true)]
    [InlineData("\u0086", true)]
    [InlineData("\u009F", true)]
    [InlineData("\u0085", true)]
    [InlineData("\u1000", true)]
    [InlineData("\uFFFD", true)]
    [InlineData("\uFFFE", false)]
    [InlineData("\u001F", false)]
    [InlineData("\U0001F600", false)]
    public void ProviderArn_CharacterAsJavaReadsTheModelsSet_SameVerdict(string c, bool accepted)
    {
        Assert.Equal(accepted, StsConstraints.ProviderArn.IsValid(Provider + c));
    }

    [Fact]
    public void ProviderArn_LoneSurrogate_Refused()
    {
        // Built at run time: an attribute argument cannot hold a lone surrogate (it becomes U+FFFD).
        Assert.False(StsConstraints.ProviderArn.IsValid(Provider + new string('\uD800', 1)));
        Assert.False(StsConstraints.ProviderArn.IsValid(Provider + new string('\uDC00', 1)));
    }

    [Theory]
    [InlineData("\u212Aey", "key")]
    [InlineData("\u0130d", "id")]
    [InlineData("\u017Fize", "size")]
    [InlineData("\u0131d", "ID")]
    [InlineData("\U00010400", "\U00010428")]
    [InlineData("Team", "TEAM")]
    public void Validate_TagKeysEqualToJavaIgnoringCase_Duplicate(string first, string second)
    {
        var options = new AssumeRoleOptions { RoleArn = TestEngine.RoleArn };
        options.Tags[first] = "a";
        options.Tags[second] = "b";

        var failure = Assert.Single(AssumeRoleOptionsValidator.Validate(options));

        Assert.Contains("appears twice", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_TransitiveKeyMatchingATagKeyAsJavaIgnoresCase_Accepted()
    {
        var options = new AssumeRoleOptions { RoleArn = TestEngine.RoleArn };
        options.Tags["\u212Aey"] = "a";
        options.TransitiveTagKeys.Add("KEY");

        Assert.Empty(AssumeRoleOptionsValidator.Validate(options));
    }
}
