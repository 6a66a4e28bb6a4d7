using System.Diagnostics;
using System.Text;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Standalone.Tests;

/// <summary>The built CLI running in the background (argv, no shell), its output collected line by line; killed on dispose.</summary>
public sealed class BackgroundCli : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder stdout = new();
    private readonly StringBuilder stderr = new();
    private readonly object gate = new();

    public BackgroundCli(params string[] args)
    {
        var start = CliUnderTest.Start(args);

        process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Pid => process.Id;

    public bool HasExited => process.HasExited;

    public string Stdout
    {
        get
        {
            lock (gate)
            {
                return stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (gate)
            {
                return stderr.ToString();
            }
        }
    }

    public string Output => $"--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";

    /// <summary>SIGKILL: no shutdown code runs (what a crash or kill -9 does).</summary>
    public void KillHard()
    {
        process.Kill();
        process.WaitForExit();
    }

    /// <summary>SIGINT, as Ctrl+C in a terminal; returns the exit code.</summary>
    public async Task<int> InterruptAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var deadline = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(deadline.Token);
        return process.ExitCode;
    }

    /// <summary>Waits until stdout holds <paramref name="text"/>; fails with the output so far when the process exits or time runs out.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var printed = await Eventually.LastReadingAsync(
            () => Task.FromResult(Stdout.Contains(text, StringComparison.Ordinal)), seen => seen || process.HasExited, timeout, TimeSpan.FromMilliseconds(200));
        if (printed)
        {
            return;
        }

        if (process.HasExited)
        {
            throw new InvalidOperationException($"standalone exited ({process.ExitCode}) before printing \"{text}\"\n{Output}");
        }

        throw new TimeoutException($"standalone did not print \"{text}\" within {timeout.TotalSeconds:0} s\n{Output}");
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process.Dispose();
    }

    private void Append(StringBuilder to, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (gate)
        {
            to.AppendLine(line);
        }
    }
}
