using System.Diagnostics;
using System.Text;

namespace NumaOperator.Qemu.Capabilities;

/// <summary>
/// A short-lived QEMU started for a probe (no shell, stdio redirected): stderr is collected as it comes, so a
/// QEMU that aborts leaves its reason; disposal kills whatever still runs.
/// </summary>
internal sealed class ProbeProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder stderr = new();
    private readonly Task stderrPump;

    private ProbeProcess(Process process)
    {
        this.process = process;
        stderrPump = PumpAsync(process.StandardError);
    }

    public Stream Output => process.StandardOutput.BaseStream;

    public Stream Input => process.StandardInput.BaseStream;

    /// <summary>What QEMU printed on stderr so far, trimmed to its last lines.</summary>
    public string Stderr
    {
        get
        {
            lock (stderr)
            {
                return Tail(stderr.ToString());
            }
        }
    }

    public bool HasExited => process.HasExited;

    /// <exception cref="System.ComponentModel.Win32Exception">The executable could not be started.</exception>
    public static ProbeProcess Start(IReadOnlyList<string> argv)
    {
        var start = new ProcessStartInfo(argv[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in argv.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{argv[0]} did not start");
        return new ProbeProcess(process);
    }

    /// <summary>Waits for the exit; kills the process tree after <paramref name="timeout"/>. Returns the exit code, or null when it had to be killed.</summary>
    public async Task<int?> WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
            await stderrPump.WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            Kill();
            ct.ThrowIfCancellationRequested();
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        process.Dispose();
    }

    /// <summary>The last few non-empty lines, at most 600 characters: enough to name why QEMU stopped.</summary>
    public static string Tail(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(4);
        var joined = string.Join(" | ", lines);
        return joined.Length > 600 ? joined[^600..] : joined;
    }

    private void Kill()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    private async Task PumpAsync(StreamReader reader)
    {
        var buffer = new char[1024];
        int read;
        while ((read = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            lock (stderr)
            {
                if (stderr.Length < 64 * 1024)
                {
                    stderr.Append(buffer, 0, read);
                }
            }
        }
    }
}
