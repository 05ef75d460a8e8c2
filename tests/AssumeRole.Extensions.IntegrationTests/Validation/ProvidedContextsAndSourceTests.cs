using System.Net;
using Amazon.Runtime;
using AssumeRole.Extensions.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace AssumeRole.Extensions.IntegrationTests.Validation;

/// <summary>
/// Issue #13 against the emulator over HTTP: ProvidedContexts from configuration reach STS, an empty list is refused as
/// STS refuses it, and a source that throws surfaces naming the setting.
/// </summary>
public sealed class ProvidedContextsAndSourceTests
{
    private const string RoleArn = "arn:aws:iam::123456789012:role/Deploy";
    private const string Provider = "arn:aws:iam::aws:contextProvider/IdentityCenter";

    [Fact]
    public async Task GetCredentials_ProvidedContextsFromConfiguration_SentToSts()
    {
        await using var sts = await EmulatorFixture.StartAsync();
        var alice = sts.Emulator.AddUser("alice");
        sts.Emulator.AddRole(RoleArn, role => role.TrustPrincipal(alice.Arn));
        var options = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RoleArn"] = RoleArn,
            ["ServiceUrl"] = sts.Emulator.Endpoint.ToString(),
            ["Region"] = "us-east-1",
            ["ProvidedContexts:0:ProviderArn"] = Provider,
            ["ProvidedContexts:0:ContextAssertion"] = "signed-context-assertion",
        }).Build().Get<AssumeRoleOptions>()!;
        options.SourceCredentials = new BasicAWSCredentials(alice.AccessKeyId, alice.SecretAccessKey);
        using var credentials = new AssumeRoleCredentials(options);

        await credentials.GetCredentialsAsync(TestContext.Current.CancellationToken);

        var call = Assert.Single(sts.Emulator.Calls);
        Assert.Equal("Success", call.Outcome);
        Assert.Equal([Provider], call.ProvidedContextProviderArns);
    }

    [Fact]
    public async Task AssumeRole_EmptyProvidedContexts_ValidationError()
    {
        await using var sts = await EmulatorFixture.StartAsync();
        var alice = sts.Emulator.AddUser("alice");
        sts.Emulator.AddRole(RoleArn, role => role.TrustPrincipal(alice.Arn));
        using var raw = new RawStsClient(sts.Emulator.Endpoint, alice.AccessKeyId, alice.SecretAccessKey, sts.Time.GetUtcNow());

        using var empty = await raw.PostAsync($"Action=AssumeRole&Version=2011-06-15&RoleArn={Uri.EscapeDataString(RoleArn)}&RoleSessionName=s1&ProvidedContexts=");
        using var one = await raw.PostAsync($"Action=AssumeRole&Version=2011-06-15&RoleArn={Uri.EscapeDataString(RoleArn)}&RoleSessionName=s1&ProvidedContexts.member.1.ProviderArn={Uri.EscapeDataString(Provider)}&ProvidedContexts.member.1.ContextAssertion=abcd");

        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("at 'providedContexts' failed to satisfy constraint: Member must have length greater than or equal to 1", await empty.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
    }

    [Fact]
    public async Task GetCredentials_SourceThrows_AssumeRoleExceptionNamingSourceCredentials()
    {
        await using var sts = await EmulatorFixture.StartAsync();
        using var credentials = new AssumeRoleCredentials(new AssumeRoleOptions
        {
            RoleArn = RoleArn,
            ServiceUrl = sts.Emulator.Endpoint.ToString(),
            Region = "us-east-1",
            SourceCredentials = new ThrowingCredentials(),
            MaxStsRetries = 0,
        });

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => credentials.GetCredentialsAsync(TestContext.Current.CancellationToken));

        Assert.Equal("SourceCredentialsFailed", ex.ErrorCode);
        Assert.Contains("SourceCredentials", ex.Message, StringComparison.Ordinal);
        Assert.Contains("threw InvalidOperationException", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("vault sealed", ex.Message, StringComparison.Ordinal); // a source's message can hold anything
        Assert.True(ex.IsTransient);
        Assert.Empty(sts.Emulator.Calls);
    }

    [Fact]
    public async Task GetCredentials_SourceTimesOutWithTaskCanceled_SourceCredentialsFailedNotRequestTimeout()
    {
        // Review of issue #13, finding 4: an HttpClient timeout inside the source (TaskCanceledException) surfaced as
        // "RequestTimeout: The STS request timed out.", as if STS had not answered.
        await using var sts = await EmulatorFixture.StartAsync();
        using var credentials = new AssumeRoleCredentials(new AssumeRoleOptions
        {
            RoleArn = RoleArn,
            ServiceUrl = sts.Emulator.Endpoint.ToString(),
            Region = "us-east-1",
            SourceCredentials = new ThrowingCredentials(new TaskCanceledException("vault timed out")),
            MaxStsRetries = 0,
        });

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => credentials.GetCredentialsAsync(TestContext.Current.CancellationToken));

        Assert.Equal("SourceCredentialsFailed", ex.ErrorCode);
        Assert.Contains("SourceCredentials", ex.Message, StringComparison.Ordinal);
        Assert.Contains("threw TaskCanceledException", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("vault timed out", ex.Message, StringComparison.Ordinal);
        Assert.Empty(sts.Emulator.Calls);
    }

    private sealed class ThrowingCredentials(Exception? error = null) : AWSCredentials
    {
        private readonly Exception _error = error ?? new InvalidOperationException("vault sealed\nretry later");

        public override ImmutableCredentials GetCredentials() => throw _error;

        public override Task<ImmutableCredentials> GetCredentialsAsync() => Task.FromException<ImmutableCredentials>(_error);
    }
}
