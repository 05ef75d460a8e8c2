using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AssumeRole.Extensions.Diagnostics;

/// <summary>
/// Hands out <see cref="GuardedLogger"/>s over the user's factory, one per category (so that sessions share them).
/// Never disposes the user's factory, which the user (or the DI container) owns.
/// </summary>
internal sealed class GuardedLoggerFactory : ILoggerFactory
{
    private readonly ILoggerFactory _inner;
    private readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    private GuardedLoggerFactory(ILoggerFactory inner) => _inner = inner;

    /// <summary>Wraps <paramref name="factory"/>; the null factory (and an already guarded one) stays as it is.</summary>
    public static ILoggerFactory Wrap(ILoggerFactory factory) =>
        factory is NullLoggerFactory or GuardedLoggerFactory ? factory : new GuardedLoggerFactory(factory);

    public ILogger CreateLogger(string categoryName)
    {
        if (_loggers.TryGetValue(categoryName, out var logger))
        {
            return logger;
        }

        ILogger created;
        try
        {
            created = GuardedLogger.Wrap(_inner.CreateLogger(categoryName));
        }
        catch (Exception)
        {
            // A provider that cannot even create its logger: log nothing for this category rather than fail the caller.
            created = NullLogger.Instance;
        }

        return _loggers.GetOrAdd(categoryName, created);
    }

    public void AddProvider(ILoggerProvider provider) => _inner.AddProvider(provider);

    public void Dispose()
    {
        // Not ours to dispose.
    }
}
