using Microsoft.Extensions.Logging;

namespace QuickStart;

/// <summary>Prints the library's log lines stamped with the (possibly simulated) clock: the refresh timeline.</summary>
internal sealed class TimelineLoggerProvider(TimeProvider clock, DateTimeOffset start) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new TimelineLogger(clock, start, categoryName);

    public void Dispose()
    {
    }

    private sealed class TimelineLogger(TimeProvider clock, DateTimeOffset start, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) =>
            logLevel >= LogLevel.Information && category.StartsWith("AssumeRole.Extensions", StringComparison.Ordinal);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                var elapsed = clock.GetUtcNow() - start;
                Console.WriteLine($"  [t+{elapsed:hh\\:mm\\:ss}] {logLevel}: {formatter(state, exception)}");
            }
        }
    }
}
