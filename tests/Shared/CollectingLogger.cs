using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace NumaOperator.Tests.Shared;

/// <summary>
/// Keeps the log lines of the components under test in memory, to show when a test or run fails: from
/// <paramref name="minimum"/> up, the last <paramref name="keep"/> lines (the newest explain a timeout best), each cut at
/// <paramref name="maxLineLength"/> characters when given (for reports that quote them). Compiled only into test
/// projects that set SharedCollectingLogger (tests/Directory.Build.props): the others do not reference logging.
/// </summary>
public sealed class CollectingLoggerProvider(LogLevel minimum = LogLevel.Information, int keep = 300, int? maxLineLength = null) : ILoggerProvider
{
    private readonly ConcurrentQueue<string> lines = new();

    public LogLevel Minimum { get; } = minimum;

    /// <summary>The kept lines, oldest first: "HH:mm:ss.fff Level category: message[ ExceptionType: exception message]".</summary>
    public IEnumerable<string> Lines => lines;

    public ILogger CreateLogger(string categoryName) => new Collecting(categoryName, this);

    public void Dispose()
    {
    }

    private void Add(string line)
    {
        lines.Enqueue(maxLineLength is { } max && line.Length > max ? line[..max] + "…" : line);
        while (lines.Count > keep)
        {
            lines.TryDequeue(out _);
        }
    }

    private sealed class Collecting(string category, CollectingLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= provider.Minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var error = exception is null ? string.Empty : $" {exception.GetType().Name}: {exception.Message}";
            provider.Add(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{error}"));
        }
    }
}
