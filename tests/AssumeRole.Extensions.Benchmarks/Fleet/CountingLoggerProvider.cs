using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace AssumeRole.Extensions.Benchmarks.Fleet;

/// <summary>Counts log events by id and keeps the first few warnings, for a fleet node's report.</summary>
public sealed class CountingLoggerProvider : ILoggerProvider, ILogger
{
    private readonly ConcurrentQueue<string> _warnings = new();

    public ConcurrentDictionary<int, int> Counts { get; } = new();

    public IReadOnlyList<string> Warnings => [.. _warnings.Take(5)];

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        Counts.AddOrUpdate(eventId.Id, 1, static (_, n) => n + 1);
        if (logLevel >= LogLevel.Warning && _warnings.Count < 5)
        {
            _warnings.Enqueue($"{eventId.Id}: {formatter(state, exception)}");
        }
    }

    public void Dispose()
    {
    }
}
