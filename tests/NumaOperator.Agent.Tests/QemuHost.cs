using System.Diagnostics;
using System.Globalization;
using NumaOperator.Qemu.Host;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Agent.Tests;

/// <summary>
/// What the real-QEMU agent tests need from this host (one collection, so they never race each other on hugepage
/// counters): a 2 MiB hugetlbfs mount (the host's, or one mounted in a temp dir and unmounted after), reservations
/// that only ADD pages to host node 0 and take exactly those back, and a way to find and kill QEMU by uuid.
/// </summary>
public sealed class QemuHost : IDisposable
{
    public const long PageBytes = 2L << 20;

    private readonly string? mountedByUs;

    public QemuHost()
    {
        Available = HostCapabilities.IsRoot && HostCapabilities.HasQemu && Directory.Exists("/sys/devices/system/node/node0/hugepages/hugepages-2048kB");
        if (!Available)
        {
            return;
        }

        // Always a mount of our own: another test process on this machine may unmount the one it made while we run.
        mountedByUs = Directory.CreateTempSubdirectory("numaop-agent-hugetlbfs-").FullName;
        Run("mount", "-t", "hugetlbfs", "-o", "pagesize=2M", "none", mountedByUs);
    }

    public bool Available { get; }

    public static string SkipReason => "needs root, qemu-system-x86_64 and 2 MiB hugepages on host node 0";

    public HugepageCounters Counters { get; } = new();

    public long FreePages => Counters.FreePages(0, PageBytes);

    /// <summary>Adds <paramref name="pages"/> to node 0's pool; the returned handle takes them back.</summary>
    public IDisposable Reserve(long pages)
    {
        var path = Counters.TotalPagesPath(0, PageBytes);
        var before = Counters.TotalPages(0, PageBytes);
        File.WriteAllText(path, (before + pages).ToString(CultureInfo.InvariantCulture));
        var reserved = Counters.TotalPages(0, PageBytes) - before;
        return new Release(() =>
        {
            var now = Counters.TotalPages(0, PageBytes);
            File.WriteAllText(path, Math.Max(0, now - reserved).ToString(CultureInfo.InvariantCulture));
        });
    }

    /// <summary>
    /// Takes <paramref name="pages"/> free pages for real, as a pod using hugepages would: a file on this host's
    /// hugetlbfs mount, mapped and every page touched (faulted in, so free_hugepages drops). The handle unmaps and deletes it.
    /// </summary>
    public IDisposable Hold(long pages)
    {
        var path = Path.Combine(mountedByUs!, "held-" + Guid.NewGuid().ToString("N"));
        var map = System.IO.MemoryMappedFiles.MemoryMappedFile.CreateFromFile(path, FileMode.CreateNew, null, pages * PageBytes);
        var view = map.CreateViewAccessor();
        for (long page = 0; page < pages; page++)
        {
            view.Write(page * PageBytes, (byte)1);
        }

        return new Release(() =>
        {
            view.Dispose();
            map.Dispose();
            File.Delete(path);
        });
    }

    /// <summary>Live processes whose argv carries "-uuid UUID" (how the agent recognises a VM's QEMU).</summary>
    public static IReadOnlyList<int> QemuPids(Guid uuid)
    {
        var wanted = uuid.ToString("D");
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && ProcFs.IsAlive(pid))
            {
                var argv = ProcFs.CommandLine(pid);
                if (argv.Zip(argv.Skip(1)).Any(p => p.First == "-uuid" && p.Second == wanted))
                {
                    pids.Add(pid);
                }
            }
        }

        return pids;
    }

    /// <summary>Test cleanup: whatever QEMU a failed test left behind for these VMs dies.</summary>
    public static void KillAll(IEnumerable<Guid> uuids)
    {
        foreach (var pid in uuids.SelectMany(QemuPids))
        {
            Kill(pid);
        }
    }

    /// <summary>Test cleanup: the QEMU of these VMs dies and these directories (state dirs, image roots) go.</summary>
    public static void CleanUp(IEnumerable<Guid> uuids, params string[] directories)
    {
        KillAll(uuids);
        foreach (var dir in directories.Where(Directory.Exists))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>SIGKILL (Process.Kill) a process that is not our child.</summary>
    public static void Kill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (ArgumentException)
        {
            // already gone
        }
        catch (InvalidOperationException)
        {
            // exited meanwhile
        }
    }

    public void Dispose()
    {
        if (mountedByUs is not null)
        {
            try
            {
                Run("umount", mountedByUs);
            }
            catch (InvalidOperationException)
            {
                // Busy: another test process on this machine found the mount and holds a file on it; detach now,
                // the kernel frees it when that file is closed.
                Run("umount", "-l", mountedByUs);
            }

            Directory.Delete(mountedByUs);
        }
    }

    private static void Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)}: {error}");
        }
    }

    private sealed class Release(Action release) : IDisposable
    {
        public void Dispose() => release();
    }
}

[CollectionDefinition(Name)]
public sealed class RealQemuGroup : ICollectionFixture<QemuHost>
{
    public const string Name = "agent real QEMU";
}
