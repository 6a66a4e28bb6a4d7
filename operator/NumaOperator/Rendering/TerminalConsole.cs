using Spectre.Console;

namespace NumaOperator.Cli.Rendering;

/// <summary>The Spectre console for tables on stdout, usable when stdout is a pipe or a CI log as well as a terminal.</summary>
public static class TerminalConsole
{
    /// <summary>Width used when stdout is not a terminal, so tables are not wrapped at Spectre's default of 80 columns.</summary>
    public const int RedirectedWidth = 200;

    public static IAnsiConsole Create()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Detect,
            ColorSystem = ColorSystemSupport.Detect,
            Out = new AnsiConsoleOutput(Console.Out),
        });
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = RedirectedWidth;
        }

        return console;
    }
}
