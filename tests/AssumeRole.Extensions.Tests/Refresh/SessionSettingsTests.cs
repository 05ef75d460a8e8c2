using AssumeRole.Extensions.Refresh;

namespace AssumeRole.Extensions.Tests.Refresh;

public sealed class SessionSettingsTests
{
    [Theory]
    [InlineData(15, null, 5, 1)] // the design's defaults are unchanged
    [InlineData(60, null, 15, 1)]
    [InlineData(180, null, 60, 1)]
    [InlineData(15, 10.0, 12.5, 10)] // the case: A = M + min(4, (15 - 10) / 2)
    [InlineData(60, 14.0, 28, 14)] // A keeps the default headroom (14 min) above M
    [InlineData(60, 10.0, 24, 10)]
    [InlineData(180, 30.0, 89, 30)] // 59 min of headroom, within half of what L leaves (75)
    [InlineData(15, 4.9, 8.9, 4.9)]
    public void WindowsFor_Lifetime_AdvisoryAdaptsAroundTheMandatoryFloor(double lifetimeMinutes, double? mandatoryMinutes, double advisoryMinutes, double expectedMandatoryMinutes)
    {
        var options = new AssumeRoleOptions { MandatoryRefreshWindow = mandatoryMinutes is { } m ? TimeSpan.FromMinutes(m) : null };
        var settings = SessionSettings.From(options);

        var (advisory, mandatory) = settings.WindowsFor(TimeSpan.FromMinutes(lifetimeMinutes), out var shrunk, out var tooShort);

        Assert.Equal(TimeSpan.FromMinutes(advisoryMinutes), advisory);
        Assert.Equal(TimeSpan.FromMinutes(expectedMandatoryMinutes), mandatory);
        Assert.False(shrunk);
        Assert.False(tooShort);
    }

    [Fact]
    public void WindowsFor_DefaultMandatoryAndLifetimeShorterThanWindows_ShrinksAsBefore()
    {
        var settings = SessionSettings.From(new AssumeRoleOptions());

        var (advisory, mandatory) = settings.WindowsFor(TimeSpan.FromSeconds(30), out var shrunk, out _);

        Assert.True(shrunk);
        Assert.Equal(TimeSpan.FromSeconds(15), advisory);
        Assert.Equal(TimeSpan.FromSeconds(7.5), mandatory);
    }

    [Fact]
    public void WindowsFor_ConfiguredMandatoryNotShorterThanLifetime_IsTooShortAndNeverShrunk()
    {
        var settings = SessionSettings.From(new AssumeRoleOptions { MandatoryRefreshWindow = TimeSpan.FromMinutes(10) });

        var (_, mandatory) = settings.WindowsFor(TimeSpan.FromMinutes(10), out _, out var tooShort);

        Assert.True(tooShort);
        Assert.Equal(TimeSpan.FromMinutes(10), mandatory);
    }

    [Fact]
    public void WindowsFor_ConfiguredAdvisoryLongerThanAShortSession_GoesHalfwayBetweenMandatoryAndLifetime()
    {
        var settings = SessionSettings.From(new AssumeRoleOptions
        {
            AdvisoryRefreshWindow = TimeSpan.FromMinutes(50),
            MandatoryRefreshWindow = TimeSpan.FromMinutes(10),
        });

        var (advisory, mandatory) = settings.WindowsFor(TimeSpan.FromMinutes(30), out var shrunk, out _);

        Assert.True(shrunk);
        Assert.Equal(TimeSpan.FromMinutes(20), advisory);
        Assert.Equal(TimeSpan.FromMinutes(10), mandatory);
    }
}
