using AssumeRole.Extensions.Tests.Fakes;

namespace AssumeRole.Extensions.Tests.Issues;

/// <summary>
/// The mandatory window was not part of the session key, so a provider asking for a longer one (say 10 min, for
/// long uploads) shared the session of a provider created earlier with the default 1 min, and was handed credentials
/// with less than its own window left.
/// </summary>
public sealed class IssuesTestsMandatoryWindowShared
{
    private readonly TestEngine _engine = new();

    [Fact]
    public async Task GetCredentials_LongerMandatoryWindowThanSessionCreator_NeverReturnsCredentialsInsideIt()
    {
        using var lenient = _engine.Create();
        using var strict = _engine.Create(o => o.MandatoryRefreshWindow = TimeSpan.FromMinutes(10));
        await lenient.GetCredentialsAsync(TestContext.Current.CancellationToken);
        await strict.GetCredentialsAsync(TestContext.Current.CancellationToken);

        // STS goes down; 52 min into a 1 h session 8 min are left: fine for the lenient provider, not for the strict one.
        _engine.Sts.Always = _ => FakeSts.Internal();
        await _engine.AdvanceAsync(TimeSpan.FromMinutes(52), strict);

        Assert.NotNull(await lenient.GetCredentialsAsync(TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<AssumeRoleException>(() => strict.GetCredentialsAsync(TestContext.Current.CancellationToken));
    }
}
