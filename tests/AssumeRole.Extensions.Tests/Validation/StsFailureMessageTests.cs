using System.Net;
using AssumeRole.Extensions.Sts;
using AssumeRole.Extensions.Tests.Fakes;

namespace AssumeRole.Extensions.Tests.Validation;

/// <summary>
/// Issue #13, items 5–7: STS's message text reaches the exception escaped, or is withheld whole when it may quote a
/// secret of the request (in any case or encoding); AccessDenied says what the hop does and does not send; failures name their setting; the token file read is
/// bounded.
/// </summary>
public sealed class StsFailureMessageTests : IDisposable
{
    private const string ExternalId = "Tenant-Secret-42";
    private readonly string _tokenFile = Path.Combine(Path.GetTempPath(), $"token-{Guid.NewGuid():N}");

    public void Dispose() => File.Delete(_tokenFile);

    [Theory]
    [InlineData(ExternalId)]
    [InlineData("tenant-secret-42")]
    [InlineData("TENANT-SECRET-42")]
    [InlineData("Tenant%2DSecret%2D42")]
    public async Task Fetch_StsEchoesTheExternalId_WithheldInAnyCaseOrEncoding(string echoed)
    {
        var engine = new TestEngine();
        engine.Sts.FailNext(new StsCallException("ValidationError", $"1 validation error detected: Value '{echoed}' at 'externalId' failed", HttpStatusCode.BadRequest, "req-1", isTransient: false));
        using var provider = engine.Create(o => o.ExternalId = ExternalId);

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

        Assert.DoesNotContain(echoed, ex.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(ExternalId, ex.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("STS found a parameter of the request invalid. (STS's message text is withheld", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("at 'externalId'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("token a%2fb%3dc", true)]
    [InlineData("token A/B=C", true)]
    [InlineData("token A-B-C", true)]
    [InlineData("token a/b", false)]
    [InlineData("Rate exceeded", false)]
    public void MayQuoteSecret_ShortSecretPercentEncodedOrSeparated_Detected(string message, bool expected)
    {
        Assert.Equal(expected, StsMessage.MayQuoteSecret(message, "a/b=c"));
    }

    [Fact]
    public async Task Fetch_StsEchoesTheMfaCode_Withheld()
    {
        var engine = new TestEngine();
        engine.Sts.FailNext(new StsCallException("AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code 654321. ", HttpStatusCode.Forbidden, "req-2", isTransient: false));
        using var provider = engine.Create(o =>
        {
            o.MfaSerialNumber = "arn:aws:iam::123456789012:mfa/alice";
            o.TokenCodeProvider = _ => new ValueTask<string>("654321");
        });

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

        Assert.DoesNotContain("654321", ex.ToString(), StringComparison.Ordinal);
        Assert.Contains("(STS's message text is withheld", ex.Message, StringComparison.Ordinal);
        Assert.Null(ex.InnerException);
    }

    [Fact]
    public async Task Fetch_StsMessageWithControlCharacters_Escaped()
    {
        var engine = new TestEngine();
        engine.Sts.FailNext(new StsCallException("MalformedPolicyDocument", "Syntax error at\r\nline 2 \u202Eevil", HttpStatusCode.BadRequest, "req-3", isTransient: false));
        using var provider = engine.Create();

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

        Assert.Contains(@"Syntax error at\u000D\u000Aline 2 \u202Eevil", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_AccessDeniedWithoutExternalId_HintListsWhatTheHopDoesNotSend()
    {
        var engine = new TestEngine();
        engine.Sts.FailNext(FakeSts.AccessDenied(TestEngine.RoleArn));
        using var provider = engine.Create(o => o.Tags["team"] = "payments");

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

        Assert.Contains("This hop does not send an external ID (sts:ExternalId; set ExternalId), MFA (aws:MultiFactorAuthPresent; set MfaSerialNumber and TokenCodeProvider), a source identity (sts:SourceIdentity; set SourceIdentity).", ex.Message, StringComparison.Ordinal);
        Assert.Contains("It sends session tags (the trust policy must allow sts:TagSession).", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_AccessDeniedWithExternalId_HintSaysItMustMatch()
    {
        var engine = new TestEngine();
        engine.Sts.FailNext(FakeSts.AccessDenied(TestEngine.RoleArn));
        using var provider = engine.Create(o => o.ExternalId = ExternalId);

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

        Assert.DoesNotContain("does not send an external ID", ex.Message, StringComparison.Ordinal);
        Assert.Contains("It sends an external ID (it must equal the trust policy's sts:ExternalId)", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ExternalId, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_TokenCodeProviderThrows_NamesTheSetting()
    {
        var engine = new TestEngine();
        using var provider = engine.Create(o =>
        {
            o.MfaSerialNumber = "arn:aws:iam::123456789012:mfa/alice";
            o.TokenCodeProvider = _ => throw new InvalidOperationException("typed 98765 by mistake");
        });

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

        Assert.Equal("MfaTokenCodeProviderFailed", ex.ErrorCode);
        Assert.Contains("TokenCodeProvider", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("98765", ex.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, engine.Sts.CallCount);
    }

    [Theory]
    [InlineData("12345\u0663")]
    [InlineData("\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16")]
    public async Task Fetch_NonAsciiDigitsAsMfaCode_RefusedBeforeSts(string code)
    {
        var engine = new TestEngine();
        using var provider = engine.Create(o =>
        {
            o.MfaSerialNumber = "arn:aws:iam::123456789012:mfa/alice";
            o.TokenCodeProvider = _ => new ValueTask<string>(code);
        });

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

        Assert.Equal("MfaTokenCodeInvalid", ex.ErrorCode);
        Assert.Equal(0, engine.Sts.CallCount);
    }

    [Fact]
    public async Task Fetch_TokenFileOverStsLimit_NotSentAndNamesTheSetting()
    {
        // 64 MiB would make the point too, but costs the test 64 MiB of disk: the bound is what matters.
        await File.WriteAllTextAsync(_tokenFile, new string('t', 5 * 1024 * 1024), TestContext.Current.CancellationToken);
        var engine = new TestEngine(signWithSource: true);
        using var provider = CreateWebIdentity(engine);

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

        Assert.Equal("WebIdentityTokenTooLarge", ex.ErrorCode);
        Assert.Contains("WebIdentity.WebIdentityTokenFile", ex.Message, StringComparison.Ordinal);
        Assert.False(ex.IsTransient);
        Assert.DoesNotContain(engine.Sts.AllCalls, c => c.Action == "AssumeRoleWithWebIdentity");
    }

    [Fact]
    public async Task Fetch_TokenFileIsAPipeOf64MiB_ReadsOnlyWhatStsCouldAccept()
    {
        // The test above cannot tell a bounded read from a whole one. Here the token file is a FIFO that a writer
        // fills with 64 MiB: a bounded reader closes it after ~21,000 characters, and the writer's next write fails
        // (EPIPE); a reader that reads the file whole takes all 64 MiB.
        Assert.SkipUnless(OperatingSystem.IsLinux(), "FIFOs (mkfifo) are tested on Linux.");
        File.Delete(_tokenFile);
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", ["-m", "600", _tokenFile]))
        {
            await mkfifo.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(0, mkfifo.ExitCode);
        }

        const long total = 64L * 1024 * 1024;
        long written = 0;
        var writer = Task.Run(() =>
        {
            var chunk = new byte[64 * 1024];
            chunk.AsSpan().Fill((byte)'t');
            try
            {
                using var pipe = new FileStream(_tokenFile, FileMode.Open, FileAccess.Write);
                while (Interlocked.Read(ref written) < total)
                {
                    pipe.Write(chunk);
                    Interlocked.Add(ref written, chunk.Length);
                }
            }
            catch (IOException)
            {
                // EPIPE: the reader closed the pipe.
            }
        });

        var engine = new TestEngine(signWithSource: true);
        using var provider = CreateWebIdentity(engine);
        try
        {
            var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

            Assert.Equal("WebIdentityTokenTooLarge", ex.ErrorCode);
            await writer.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
            Assert.True(Interlocked.Read(ref written) < 4 * 1024 * 1024, $"{Interlocked.Read(ref written)} bytes of the token file were taken");
            Assert.DoesNotContain(engine.Sts.AllCalls, c => c.Action == "AssumeRoleWithWebIdentity");
        }
        finally
        {
            if (!writer.IsCompleted)
            {
                // Nobody opened the pipe: open and close it so the writer's open returns and its write fails.
                new FileStream(_tokenFile, FileMode.Open, FileAccess.Read).Dispose();
            }
        }
    }

    [Fact]
    public async Task Fetch_TokenFileMissing_TransientAndNamesTheSetting()
    {
        var engine = new TestEngine(signWithSource: true);
        using var provider = CreateWebIdentity(engine);

        var ex = await Assert.ThrowsAsync<AssumeRoleException>(() => provider.GetCredentialsAsync(TestContext.Current.CancellationToken));

        Assert.Equal("WebIdentityTokenFileUnreadable", ex.ErrorCode);
        Assert.Contains("WebIdentity.WebIdentityTokenFile '", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.IsTransient);
    }

    private AssumeRoleCredentials CreateWebIdentity(TestEngine engine) => engine.Create(o =>
    {
        o.SourceCredentials = null;
        o.WebIdentity = new WebIdentityOptions { RoleArn = "arn:aws:iam::123456789012:role/Pod", WebIdentityTokenFile = _tokenFile, RoleSessionName = "pod" };
    });

    [Theory]
    [InlineData("file:///etc/passwd", "ServiceUrl 'file:///etc/passwd' is not an absolute http:// or https:// URL.")]
    [InlineData(null, "Region 'mars-1' is not an AWS region name")]
    public void Constructor_BadEndpointSettings_ArgumentExceptionNamingTheSetting(string? serviceUrl, string expected)
    {
        var engine = new TestEngine();

        var ex = Assert.Throws<ArgumentException>(() => engine.Create(o =>
        {
            o.ServiceUrl = serviceUrl;
            o.Region = serviceUrl is null ? "mars-1" : null;
        }));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_NullTagValueAndBadProvidedContext_Refused()
    {
        var engine = new TestEngine();

        var ex = Assert.Throws<ArgumentException>(() => engine.Create(o =>
        {
            o.Tags["team"] = null!;
            o.ProvidedContexts.Add(new AssumeRoleProvidedContext { ProviderArn = "arn:aws:iam::aws:contextProvider/IdentityCenter", ContextAssertion = "abc" });
        }));

        // Over the count limit, the count is the failure: the contexts are not checked one by one.
        var tooMany = Assert.Throws<ArgumentException>(() => engine.Create(o =>
        {
            for (var i = 0; i < 6; i++)
            {
                o.ProvidedContexts.Add(new AssumeRoleProvidedContext { ProviderArn = "arn:aws:iam::aws:contextProvider/IdentityCenter", ContextAssertion = "abc" });
            }
        }));

        Assert.Contains("Tags['team'] value is null", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ProvidedContexts may hold at most 5 contexts; got 6.", tooMany.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ContextAssertion", tooMany.Message, StringComparison.Ordinal);
        Assert.Contains("ProvidedContexts[0].ContextAssertion (secret, 3 characters, not shown): has 3 characters, fewer than 4", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_ProvidedContexts_SentToSts()
    {
        var engine = new TestEngine();
        using var provider = engine.Create(o => o.ProvidedContexts.Add(
            new AssumeRoleProvidedContext { ProviderArn = "arn:aws:iam::aws:contextProvider/IdentityCenter", ContextAssertion = "signed-assertion" }));

        await provider.GetCredentialsAsync(TestContext.Current.CancellationToken);

        var sent = Assert.Single(engine.Sts.Calls[0].ProvidedContexts);
        Assert.Equal("arn:aws:iam::aws:contextProvider/IdentityCenter", sent.ProviderArn);
        Assert.Equal("signed-assertion", sent.ContextAssertion);
    }
}
