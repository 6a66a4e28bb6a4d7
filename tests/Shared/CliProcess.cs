namespace NumaOperator.Tests.Shared;

/// <summary>What one run of the built numa-operator CLI printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs numa-operator (<see cref="CliUnderTest"/>) as a child process, argv without a shell.</summary>
public static class CliProcess
{
    /// <summary>Runs numa-operator with <paramref name="args"/>; kills it and throws <see cref="TimeoutException"/> past <paramref name="timeout"/>.</summary>
    public static async Task<CliResult> RunAsync(TimeSpan timeout, params string[] args)
    {
        var (code, stdout, stderr) = await ChildProcess.RunAsync(CliUnderTest.Start(args), timeout, $"numa-operator {string.Join(' ', args)}");
        return new CliResult(code, stdout, stderr);
    }

    /// <summary>The synchronous form for tests that are not async.</summary>
    public static CliResult Run(TimeSpan timeout, params string[] args) => RunAsync(timeout, args).GetAwaiter().GetResult();
}
