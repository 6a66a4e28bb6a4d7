using System.Diagnostics;
using System.Text.RegularExpressions;

using NumaOperator.Tests.Shared;

namespace NumaOperator.ApiServer.Tests;

/// <summary>`numa-operator api-server --data-dir D` as a child process: started, waited for until it serves, killed with SIGKILL.</summary>
internal sealed partial class ApiServerProcess : IDisposable
{
    private readonly Process process;
    private readonly TaskCompletionSource<Uri> serving = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ApiServerProcess(string dataDir)
    {
        var start = CliUnderTest.Start(["api-server", "--data-dir", dataDir, "--kubeconfig-out", Path.Combine(dataDir, "..", "kubeconfig")]);

        process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && ServingLine().Match(line) is { Success: true } match)
            {
                serving.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        process.ErrorDataReceived += (_, e) => Errors += e.Data + "\n";
        process.Exited += (_, _) => serving.TrySetException(new InvalidOperationException($"numa-operator api-server exited ({process.ExitCode}) before serving: {Errors}"));
        process.EnableRaisingEvents = true;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Errors { get; private set; } = string.Empty;

    /// <summary>The server's base address, once it printed its serving line.</summary>
    public Task<Uri> Serving => serving.Task;

    public static ApiServerProcess Start(string dataDir) => new(dataDir);

    /// <summary>SIGKILL (Process.Kill on Unix), then waits until the process is gone.</summary>
    public async Task KillAsync()
    {
        try
        {
            process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        await process.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit();
        }

        process.Dispose();
    }

    [GeneratedRegex(@"^serving (https://\S+) ")]
    private static partial Regex ServingLine();
}
