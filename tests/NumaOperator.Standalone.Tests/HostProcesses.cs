using System.Globalization;
using System.Text;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Standalone.Tests;

/// <summary>Finds and kills QEMU processes by what their /proc/PID/cmdline carries (the VM's uuid, a state dir path).</summary>
public static class HostProcesses
{
    /// <summary>Pids whose argv (from /proc/PID/cmdline) satisfies <paramref name="match"/>.</summary>
    public static IReadOnlyList<int> Find(Func<IReadOnlyList<string>, bool> match)
    {
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var argv = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(dir, "cmdline"))).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                if (argv.Length > 0 && match(argv))
                {
                    pids.Add(pid);
                }
            }
            catch (IOException)
            {
                // gone meanwhile
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return pids;
    }

    /// <summary>QEMU processes started with `-uuid UUID`.</summary>
    public static IReadOnlyList<int> QemuWithUuid(string uuid) =>
        Find(argv => argv[0].Contains("qemu", StringComparison.Ordinal)
            && argv.Zip(argv.Skip(1)).Any(p => p.First == "-uuid" && string.Equals(p.Second, uuid, StringComparison.OrdinalIgnoreCase)));

    /// <summary>QEMU processes whose argv mentions <paramref name="path"/> (their state dir lives under it).</summary>
    public static IReadOnlyList<int> QemuUnder(string path) =>
        Find(argv => argv[0].Contains("qemu", StringComparison.Ordinal) && argv.Any(a => a.Contains(path, StringComparison.Ordinal)));

    /// <summary>True while the process exists and is not a zombie (an exited QEMU waits there until PID 1 reaps it).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault() != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the process to be gone.</summary>
    public static async Task<bool> WaitGoneAsync(int pid, TimeSpan timeout) =>
        !await Eventually.LastReadingAsync(() => Task.FromResult(IsAlive(pid)), alive => !alive, timeout, TimeSpan.FromMilliseconds(100));

    public static void Kill(IEnumerable<int> pids)
    {
        foreach (var pid in pids)
        {
            try
            {
                using var p = System.Diagnostics.Process.GetProcessById(pid);
                p.Kill();
                p.WaitForExit(10_000);
            }
            catch (ArgumentException)
            {
            }
            catch (InvalidOperationException)
            {
            }
        }
    }
}
