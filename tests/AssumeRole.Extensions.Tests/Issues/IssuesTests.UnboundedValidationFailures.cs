using AssumeRole.Extensions.Tests.Diagnostics;
using AssumeRole.Extensions.Tests.Fakes;
using AssumeRole.Extensions.Validation;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// Review of issue #13, finding 3: the list of validation failures had no size limit. 100,000 bad tags made a
/// 13.7 M-character <see cref="ArgumentException"/> message (3.1 s), and the same in log event 15.
/// </summary>
public sealed class IssuesTestsUnboundedValidationFailures
{
    [Fact]
    public void Constructor_100000BadTags_OnlyTheCountIsReportedInAShortMessageAndLogEvent()
    {
        using var observed = new ObservedEngine("ManyTags");

        var ex = Assert.Throws<ArgumentException>(() => observed.Create(o =>
        {
            for (var i = 0; i < 100_000; i++)
            {
                o.Tags[$"bad key {i}!"] = "v";
            }
        }));

        Assert.Contains("Tags may hold at most 50 tags; got 100000.", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("bad key", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Message.Length < 2_000, $"{ex.Message.Length} characters");
        var logged = Assert.Single(observed.LogsWithId(15));
        Assert.True(logged.Message.Length < 2_000, $"{logged.Message.Length} characters");
    }

    [Fact]
    public void Validate_ThirtyBadPolicyArnsAndTags_TenListedThenTheRestCounted()
    {
        var options = new AssumeRoleOptions { RoleArn = TestEngine.RoleArn };
        for (var i = 0; i < 30; i++)
        {
            options.Tags[$"bad key {i}!"] = "v";
        }

        var failures = AssumeRoleOptionsValidator.Validate(options);

        Assert.Equal(11, failures.Count);
        Assert.Equal("… and 20 more failures.", failures[^1]);
    }
}
