using System.Diagnostics;

namespace NumaOperator.Tests.Shared;

/// <summary>What one run of the built numa-operator CLI printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs the built CLI (<see cref="RepoPaths.CliDll"/>) as a child process, argv without a shell.</summary>
public static class CliProcess
{
    /// <summary>Runs numa-operator with <paramref name="args"/>; kills it and throws <see cref="TimeoutException"/> past <paramref name="timeout"/>.</summary>
    public static async Task<CliResult> RunAsync(TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(RepoPaths.CliDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"numa-operator {string.Join(' ', args)} did not exit within {timeout.TotalSeconds:0} s");
        }

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The synchronous form for tests that are not async.</summary>
    public static CliResult Run(TimeSpan timeout, params string[] args) => RunAsync(timeout, args).GetAwaiter().GetResult();
}
