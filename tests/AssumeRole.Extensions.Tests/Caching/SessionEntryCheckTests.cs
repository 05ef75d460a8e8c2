using Amazon.Runtime;
using AssumeRole.Extensions.Caching;
using AssumeRole.Extensions.Sts;

namespace AssumeRole.Extensions.Tests.Caching;

/// <summary>
/// What an entry read back from a second-level cache must prove before use (issue 11, "entries authenticated against
/// what they claim"): the hop's partition, account, role and session name in its assumed-role ARN, an issue time on
/// STS's clock that STS's clock has passed, and a lifetime STS could have issued. The integration of these checks
/// with real files and Redis is in <c>IssuesTestsFileCacheTrustsAnyFile</c> and <c>SecondLevelTrustRedisTests</c>.
/// </summary>
public sealed class SessionEntryCheckTests
{
    private const string Role = "arn:aws:iam::123456789012:role/team/Ops";
    private const string SessionArn = "arn:aws:sts::123456789012:assumed-role/Ops/deploy";
    private const string AccessKey = "ASIAENTRYCHECKTEST01";
    private const string Secret = "entry-check-secret";
    private const string Token = "entry-check-token";

    // STS's "now" is the real now: the check compares instants, never a calendar date.
    private static readonly DateTimeOffset StsNow = TimeProvider.System.GetUtcNow();

    private static readonly SessionEntryCheck Hop = new(Role, "deploy", TimeSpan.FromHours(1));

    [Fact]
    public void Check_EntryOfTheHop_IsAccepted()
    {
        Assert.Null(Hop.Check(Entry(SessionArn), StsNow));
    }

    [Fact]
    public void Check_NoIssueTime_IsRefused()
    {
        var entry = Entry(SessionArn) with { IssuedAt = null };

        Assert.Equal("it carries no issue time on STS's clock", Hop.Check(entry, StsNow));
    }

    [Theory]
    [InlineData("arn:aws:sts::123456789012:assumed-role/Dev/deploy")]           // another role
    [InlineData("arn:aws:sts::210987654321:assumed-role/Ops/deploy")]           // another account
    [InlineData("arn:aws-cn:sts::123456789012:assumed-role/Ops/deploy")]        // another partition
    [InlineData("arn:aws:sts::123456789012:assumed-role/Ops/other")]            // another session name
    [InlineData("arn:aws:iam::123456789012:assumed-role/Ops/deploy")]           // not an STS ARN
    [InlineData("arn:aws:sts:us-east-1:123456789012:assumed-role/Ops/deploy")]  // STS ARNs have no region
    [InlineData("arn:aws:sts::123456789012:federated-user/deploy")]             // not an assumed role
    [InlineData("arn:aws:sts::123456789012:assumed-role/Ops/deploy/extra")]     // not that form
    [InlineData("arn:aws:iam::123456789012:user/alice")]                        // a user
    [InlineData("")]
    public void Check_ArnOfAnotherSession_IsRefused(string arn)
    {
        Assert.NotNull(Hop.Check(Entry(arn), StsNow));
    }

    [Fact]
    public void Check_NoArn_IsRefusedForARole()
    {
        Assert.NotNull(Hop.Check(Entry(null), StsNow));
    }

    [Fact]
    public void Check_RoleNameInAnotherCase_IsAccepted()
    {
        // IAM role names are unique ignoring case within an account: "ops" and "Ops" cannot be two roles, and STS may
        // report the name as IAM stores it rather than as the ARN we sent spelled it.
        Assert.Null(Hop.Check(Entry("arn:aws:sts::123456789012:assumed-role/OPS/deploy"), StsNow));
    }

    [Fact]
    public void Check_SessionNameIsCaseSensitive()
    {
        Assert.NotNull(Hop.Check(Entry("arn:aws:sts::123456789012:assumed-role/Ops/Deploy"), StsNow));
    }

    [Theory]
    [InlineData("botocore-session-1700000000", true)]
    [InlineData("alice@example.com", true)]
    [InlineData("x", false)]           // shorter than STS allows
    [InlineData("José", false)]        // STS's \w is ASCII
    [InlineData("a b", false)]
    public void Check_AnySessionNameAccepted_StillRequiresOneStsCouldIssue(string sessionName, bool accepted)
    {
        // An AWS CLI entry whose profile names no session: botocore made one up.
        var anyName = new SessionEntryCheck(Role, null, TimeSpan.FromHours(1));

        var reason = anyName.Check(Entry("arn:aws:sts::123456789012:assumed-role/Ops/" + sessionName), StsNow);

        Assert.Equal(accepted, reason is null);
    }

    [Fact]
    public void Check_GetSessionTokenEntry_HasNoAssumedRoleArn()
    {
        var sessionToken = new SessionEntryCheck(null, null, TimeSpan.FromHours(12));

        Assert.Null(sessionToken.Check(Entry(null, lifetime: TimeSpan.FromHours(12)), StsNow));
        Assert.Equal(
            "it is an assumed-role session where a GetSessionToken session was expected",
            sessionToken.Check(Entry(SessionArn), StsNow));
    }

    [Fact]
    public void Check_LifetimeLongerThanStsIssues_IsRefused()
    {
        // Up to 5 s over is the Date header's rounding; a hand-written 10-day entry is not.
        Assert.Null(Hop.Check(Entry(SessionArn, lifetime: TimeSpan.FromHours(1) + TimeSpan.FromSeconds(5)), StsNow));
        Assert.Equal(
            "it lasts 3606 s, longer than STS issues for this call (3600 s)",
            Hop.Check(Entry(SessionArn, lifetime: TimeSpan.FromHours(1) + TimeSpan.FromSeconds(6)), StsNow));
        Assert.NotNull(Hop.Check(Entry(SessionArn, lifetime: TimeSpan.FromDays(10)), StsNow));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-60)]
    public void Check_ExpiresNoLaterThanIssued_IsRefused(int lifetimeSeconds)
    {
        Assert.Equal("it expires before it was issued", Hop.Check(Entry(SessionArn, lifetime: TimeSpan.FromSeconds(lifetimeSeconds)), StsNow));
    }

    [Fact]
    public void Check_IssuedAfterStsCurrentTime_IsRefused()
    {
        // An entry "issued" in STS's future was not issued by STS (up to 5 s is the header's rounding).
        Assert.Null(Hop.Check(Entry(SessionArn, issuedAt: StsNow.AddSeconds(5)), StsNow));
        Assert.Equal("it was issued after STS's current time", Hop.Check(Entry(SessionArn, issuedAt: StsNow.AddMinutes(10)), StsNow));
    }

    [Fact]
    public void Check_EveryRefusal_NamesNoContent()
    {
        var refused = new[]
        {
            Entry("arn:aws:sts::123456789012:assumed-role/Dev/deploy"),
            Entry(SessionArn, lifetime: TimeSpan.FromDays(10)),
            Entry(SessionArn, issuedAt: StsNow.AddHours(1)),
            Entry(SessionArn) with { IssuedAt = null },
        };

        foreach (var entry in refused)
        {
            var reason = Hop.Check(entry, StsNow);
            Assert.NotNull(reason);
            foreach (var content in new[] { AccessKey, Secret, Token, "Dev", "123456789012", "deploy" })
            {
                Assert.DoesNotContain(content, reason, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [InlineData(900, false, 900)]
    [InlineData(43200, false, 43200)]
    [InlineData(null, false, 3600)]   // STS's default, whatever the role's MaxSessionDuration
    [InlineData(null, true, 3600)]
    [InlineData(900, true, 900)]
    [InlineData(7200, true, 3600)]    // STS's one-hour cap on role chaining
    public void MaxAssumeRoleLifetime_RequestedDurationElseStsDefault_AtMostAnHourWhenChained(int? requested, bool chained, int expectedSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), SessionEntryCheck.MaxAssumeRoleLifetime(requested, chained));
    }

    [Fact]
    public void Check_HopLearnedToBeChained_LifetimeOverAnHourIsRefused()
    {
        // Asked for 2 h from a source the planner could not tell was a role session; STS then refused it for chaining.
        var chained = false;
        var check = new SessionEntryCheck(Role, "deploy", TimeSpan.FromHours(2), () => chained);
        var twoHours = Entry(SessionArn, lifetime: TimeSpan.FromHours(2));

        Assert.Null(check.Check(twoHours, StsNow));
        chained = true;
        Assert.Equal("it lasts 7200 s, longer than STS issues for this call (3600 s)", check.Check(twoHours, StsNow));
        Assert.Null(check.Check(Entry(SessionArn, lifetime: TimeSpan.FromHours(1)), StsNow));
    }

    private static StsCredentials Entry(string? assumedRoleArn, TimeSpan? lifetime = null, DateTimeOffset? issuedAt = null)
    {
        var issued = issuedAt ?? StsNow.AddMinutes(-10);
        return new StsCredentials(
            new ImmutableCredentials(AccessKey, Secret, Token),
            (issued + (lifetime ?? TimeSpan.FromHours(1))).UtcDateTime,
            null,
            assumedRoleArn,
            "request-id")
        { IssuedAt = issued };
    }
}
