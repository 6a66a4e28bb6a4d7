using System.Globalization;
using NumaOperator.Numa.Quantities;
using NumaOperator.Qemu.Host;

namespace NumaOperator.Qemu.Networking;

/// <summary>
/// The kernel's vhost-net worker threads of one QEMU, kept on the VM's NUMA node(s) like its emulator threads. Up to
/// Linux 6.3 each is a kernel thread named "vhost-QEMUPID" outside the QEMU process (so the supervisor's per-thread
/// pinning of /proc/PID/task never sees it); from 6.4 they are threads of QEMU itself and already pinned with it.
/// </summary>
public static class VhostWorkers
{
    /// <summary>Thread ids of the kernel's vhost workers for QEMU <paramref name="qemuPid"/> (under <paramref name="procRoot"/>).</summary>
    public static IReadOnlyList<int> Find(int qemuPid, string procRoot = "/proc")
    {
        var wanted = "vhost-" + qemuPid.ToString(CultureInfo.InvariantCulture);
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories(procRoot))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == qemuPid)
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).Trim() == wanted)
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // the process ended while we listed
            }
        }

        return found;
    }

    /// <summary>Pins every vhost worker of the QEMU to <paramref name="cpus"/>; returns how many were pinned.</summary>
    public static int Pin(int qemuPid, CpuSet cpus)
    {
        var workers = Find(qemuPid);
        foreach (var tid in workers)
        {
            LibC.SetAffinity(tid, cpus);
        }

        return workers.Count;
    }
}
