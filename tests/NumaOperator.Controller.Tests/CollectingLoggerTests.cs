using Microsoft.Extensions.Logging;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Controller.Tests;

/// <summary>The shared test logger keeps what the three test projects rely on: the level floor, the newest lines, the cut.</summary>
public sealed class CollectingLoggerTests
{
    [Fact]
    public void Keeps_the_newest_lines_from_the_minimum_level_up()
    {
        using var provider = new CollectingLoggerProvider(LogLevel.Warning, keep: 3);
        var logger = provider.CreateLogger("cat");

        logger.LogInformation("ignored");
        for (var i = 1; i <= 5; i++)
        {
            logger.LogWarning("warning {N}", i);
        }

        logger.LogError(new InvalidOperationException("boom"), "failed");

        Assert.False(logger.IsEnabled(LogLevel.Information));
        Assert.True(logger.IsEnabled(LogLevel.Critical));
        Assert.False(logger.IsEnabled(LogLevel.None));
        var lines = provider.Lines.ToList();
        Assert.Equal(3, lines.Count);
        Assert.Matches(@"^\d\d:\d\d:\d\d\.\d{3} Warning cat: warning 4$", lines[0]);
        Assert.EndsWith(" Warning cat: warning 5", lines[1], StringComparison.Ordinal);
        Assert.EndsWith(" Error cat: failed InvalidOperationException: boom", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Cuts_long_lines_when_asked()
    {
        using var provider = new CollectingLoggerProvider(LogLevel.Debug, maxLineLength: 30);
        var logger = provider.CreateLogger("category");

        logger.LogDebug("{Text}", new string('x', 100));

        var line = Assert.Single(provider.Lines);
        Assert.Equal(31, line.Length);
        Assert.EndsWith("…", line, StringComparison.Ordinal);
    }
}
