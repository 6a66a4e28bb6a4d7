using System.Diagnostics;
using System.Globalization;

namespace NumaOperator.Reliability.Tests;

/// <summary>What the real node reads and runs on the local host: its QEMU processes in /proc, and host commands.</summary>
internal static class LocalHost
{
    /// <summary>(pid, -uuid value) of every QEMU on this host.</summary>
    public static IEnumerable<(int Pid, string Uuid)> QemuProcesses()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string[] argv;
            try
            {
                argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            if (argv.Length == 0 || !argv[0].Contains("qemu-system", StringComparison.Ordinal))
            {
                continue;
            }

            var at = Array.IndexOf(argv, "-uuid");
            if (at >= 0 && at + 1 < argv.Length)
            {
                yield return (pid, argv[at + 1]);
            }
        }
    }

    /// <summary>Runs a host command without a shell; throws with its stderr when it fails.</summary>
    public static async Task RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)}: {error}");
        }
    }
}
