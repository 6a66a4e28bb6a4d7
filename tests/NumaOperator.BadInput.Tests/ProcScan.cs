namespace NumaOperator.BadInput.Tests;

/// <summary>Looks for QEMU processes by what their argv carries (the VM's uuid in -uuid, its name in -name guest=).</summary>
public static class ProcScan
{
    /// <summary>Pids of qemu-system-* processes whose command line contains any of <paramref name="needles"/>.</summary>
    public static IReadOnlyList<int> QemuCarrying(params string[] needles)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            string cmdline;
            try
            {
                cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // exited while we looked
            }

            var argv = cmdline.Split('\0');
            if (argv.Length > 0 && Path.GetFileName(argv[0]).StartsWith("qemu-system", StringComparison.Ordinal)
                && needles.Any(n => n.Length > 0 && argv.Any(a => a.Contains(n, StringComparison.Ordinal))))
            {
                found.Add(pid);
            }
        }

        return found;
    }
}
