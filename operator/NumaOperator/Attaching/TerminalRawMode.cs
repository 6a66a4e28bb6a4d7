using System.Diagnostics;

namespace NumaOperator.Cli.Attaching;

/// <summary>
/// Puts the controlling terminal in raw mode (no echo, no line editing, Ctrl+C goes to the guest) for the time of a
/// console session, and restores the saved settings after: stty, as on every Linux host, run on our own stdin.
/// </summary>
public sealed class TerminalRawMode : IDisposable
{
    private readonly string saved;

    private TerminalRawMode(string saved) => this.saved = saved;

    /// <summary>Raw mode when stdin is a terminal; null when it is a pipe or file (nothing to change).</summary>
    public static TerminalRawMode? EnterIfTerminal()
    {
        if (Console.IsInputRedirected)
        {
            return null;
        }

        var saved = Stty("-g").Trim();
        Stty("raw", "-echo");
        return new TerminalRawMode(saved);
    }

    public void Dispose() => Stty(saved);

    private static string Stty(params string[] arguments)
    {
        var start = new ProcessStartInfo("stty") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("stty could not be started");
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"stty {string.Join(' ', arguments)} exited {process.ExitCode}");
    }
}
