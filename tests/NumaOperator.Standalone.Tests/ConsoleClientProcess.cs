using System.Diagnostics;
using System.Text;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Standalone.Tests;

/// <summary>
/// `numa-operator console` as a child process on pipes (as a script drives it): bytes go to its stdin, what the guest
/// prints is collected from its stdout. Killed on dispose.
/// </summary>
public sealed class ConsoleClientProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder stdout = new();
    private readonly object gate = new();
    private readonly Task reading;

    public ConsoleClientProcess(params string[] args)
    {
        var start = CliUnderTest.Start(args);
        start.RedirectStandardInput = true;

        process = Process.Start(start)!;
        reading = Task.Run(ReadAsync);
    }

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

    public async Task SendAsync(byte[] bytes)
    {
        await process.StandardInput.BaseStream.WriteAsync(bytes);
        await process.StandardInput.BaseStream.FlushAsync();
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>Waits until stdout holds <paramref name="text"/>; fails with what it printed so far.</summary>
    public Task WaitForOutputAsync(string text, TimeSpan timeout) =>
        Eventually.UntilAsync(
            () => Task.FromResult(Stdout),
            output => output.Contains(text, StringComparison.Ordinal) || process.HasExited,
            timeout,
            $"\"{text}\" on the console's stdout",
            describe: output => output.Length > 2000 ? output[^2000..] : output,
            context: () => process.HasExited ? $"console exited {process.ExitCode}: {process.StandardError.ReadToEnd()}" : "still running");

    /// <summary>The exit code and stderr once it exits (killed past <paramref name="timeout"/>).</summary>
    public async Task<(int ExitCode, string Stderr)> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(deadline.Token);
        await reading;
        return (process.ExitCode, await process.StandardError.ReadToEndAsync());
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

    private async Task ReadAsync()
    {
        var buffer = new byte[4096];
        int read;
        while ((read = await process.StandardOutput.BaseStream.ReadAsync(buffer)) > 0)
        {
            lock (gate)
            {
                stdout.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }
        }
    }
}
