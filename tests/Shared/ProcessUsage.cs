using System.Globalization;

namespace NumaOperator.Tests.Shared;

/// <summary>What a process has used so far, read from /proc, for benchmarks that print their figures.</summary>
public static class ProcessUsage
{
    /// <summary>utime + stime of /proc/PID/stat, in seconds (USER_HZ = 100).</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>VmHWM of /proc/PID/status: the process's peak resident set, in bytes.</summary>
    public static long PeakRssBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
