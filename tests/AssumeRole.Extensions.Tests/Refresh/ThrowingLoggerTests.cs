using AssumeRole.Extensions.Tests.Fakes;
using Microsoft.Extensions.Logging;

namespace AssumeRole.Extensions.Tests.Refresh;

public sealed class ThrowingLoggerTests
{
    [Fact]
    public async Task FailedRefresh_LoggerThrowsOnWarning_WaitersStillGetTheError()
    {
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new ThrowingLoggerProvider()));
        var engine = new TestEngine(loggerFactory: factory);
        using var provider = engine.Create();
        engine.Sts.FailNext(FakeSts.AccessDenied(TestEngine.RoleArn));

        var error = await Assert.ThrowsAsync<AssumeRoleException>(
            () => provider.GetCredentialsAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));

        Assert.Equal("AccessDenied", error.ErrorCode);
        Assert.Null(provider.Session.PendingRefresh);
    }

    /// <summary>A logging provider that fails on warnings, as a broken sink might.</summary>
    private sealed class ThrowingLoggerProvider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ThrowingLogger();

        public void Dispose()
        {
        }

        private sealed class ThrowingLogger : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (logLevel >= LogLevel.Warning)
                {
                    throw new InvalidOperationException("log sink down");
                }
            }
        }
    }
}
