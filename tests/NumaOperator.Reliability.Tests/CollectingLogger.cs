using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace NumaOperator.Reliability.Tests;

/// <summary>Keeps the last warnings and errors of the components under test, to show when a run fails.</summary>
internal sealed class CollectingLoggerProvider : ILoggerProvider
{
    private const int Keep = 300;

    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)} {exception?.GetType().Name} {exception?.Message}";
            lines.Enqueue(line.Length > 240 ? line[..240] + "…" : line);
            while (lines.Count > Keep)
            {
                lines.TryDequeue(out _);
            }
        }
    }
}
