using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AssumeRole.Extensions.Diagnostics;

/// <summary>
/// A logger that never throws: whatever the user's logging providers throw (a sink that is down, a formatter bug) is
/// swallowed. The engine logs while it owns work that other callers share (a refresh task, a lease, a timer); a
/// logging failure must never leave that work unfinished, and never replace the outcome a caller would otherwise get.
/// </summary>
internal sealed class GuardedLogger : ILogger
{
    private readonly ILogger _inner;

    private GuardedLogger(ILogger inner) => _inner = inner;

    /// <summary>Wraps <paramref name="logger"/>; the null logger (and an already guarded one) stays as it is.</summary>
    public static ILogger Wrap(ILogger logger) => logger is NullLogger or GuardedLogger ? logger : new GuardedLogger(logger);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull
    {
        try
        {
            return _inner.BeginScope(state);
        }
        catch (Exception)
        {
            return null;
        }
    }

    public bool IsEnabled(LogLevel logLevel)
    {
        try
        {
            return _inner.IsEnabled(logLevel);
        }
        catch (Exception)
        {
            return false;
        }
    }

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        try
        {
            _inner.Log(logLevel, eventId, state, exception, formatter);
        }
        catch (Exception)
        {
            // Deliberately dropped: see the type's summary.
        }
    }
}
