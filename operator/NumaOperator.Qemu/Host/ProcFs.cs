using System.Globalization;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Qemu.Host;

/// <summary>Reads of /proc for one process: alive, command line, threads and their allowed CPUs.</summary>
public static class ProcFs
{
    public static bool IsAlive(int pid)
    {
        // A zombie still has /proc/PID; it no longer holds its memory or threads, so count it as gone.
        var stat = $"/proc/{pid}/stat";
        if (pid <= 0 || !File.Exists(stat))
        {
            return false;
        }

        try
        {
            var text = File.ReadAllText(stat);
            var close = text.LastIndexOf(')');
            return close < 0 || close + 2 >= text.Length || text[close + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The argv of a running process (/proc/PID/cmdline is NUL-separated); empty when it is gone.</summary>
    public static IReadOnlyList<string> CommandLine(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/cmdline");
            return text.Split('\0', StringSplitOptions.None).SkipLast(1).ToArray();
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }

    public static IReadOnlyList<int> ThreadIds(int pid) =>
        Directory.Exists($"/proc/{pid}/task")
            ? Directory.EnumerateDirectories($"/proc/{pid}/task")
                .Select(d => int.Parse(Path.GetFileName(d), CultureInfo.InvariantCulture))
                .Order()
                .ToArray()
            : [];

    /// <summary>Cpus_allowed_list of one thread, the kernel's own word on where it may run.</summary>
    public static CpuSet AllowedCpus(int pid, int tid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/task/{tid}/status"))
        {
            if (line.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))
            {
                return CpuSet.Parse(line["Cpus_allowed_list:".Length..]);
            }
        }

        throw new IOException($"/proc/{pid}/task/{tid}/status has no Cpus_allowed_list");
    }
}
