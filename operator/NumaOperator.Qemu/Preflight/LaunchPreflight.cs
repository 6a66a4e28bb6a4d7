using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Qemu.Capabilities;
using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Host;

namespace NumaOperator.Qemu.Preflight;

/// <summary>The host-side inputs of the pre-flight checks, injectable so tests can present a broken host.</summary>
/// <param name="QemuPath">The QEMU executable VMs run with (a path where QEMU runs).</param>
/// <param name="HugetlbfsMounts">statfs-confirmed hugetlbfs mounts (<see cref="HugetlbfsMounts.Discover"/>).</param>
/// <param name="Counters">Free hugepages per host node.</param>
/// <param name="Capabilities">QEMU as probed through the launch path (version, accelerators, CPU models); null when probing failed.</param>
/// <param name="QemuProblem">Why probing failed (no binary, no version), when <paramref name="Capabilities"/> is null.</param>
public sealed record PreflightHost(string QemuPath, IReadOnlyList<HugetlbfsMount> HugetlbfsMounts, HugepageCounters Counters, QemuCapabilities? Capabilities, string? QemuProblem = null)
{
    /// <summary>This host as the launch path sees it: mounts, counters and the (cached) QEMU capability probe.</summary>
    public static async Task<PreflightHost> DiscoverAsync(QemuProbeOptions probe, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(probe);
        var (capabilities, problem) = await ProbeAsync(probe, ct);
        return new(probe.QemuPath, Host.HugetlbfsMounts.Discover(), new HugepageCounters(), capabilities, problem);
    }

    /// <summary>The cached capability probe, or why QEMU is not usable at all.</summary>
    public static async Task<(QemuCapabilities? Capabilities, string? Problem)> ProbeAsync(QemuProbeOptions probe, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(probe);
        try
        {
            return (await QemuCapabilityCache.GetAsync(probe, ct), null);
        }
        catch (FileNotFoundException e)
        {
            return (null, e.Message);
        }
        catch (Exception e) when (e is InvalidDataException or System.ComponentModel.Win32Exception)
        {
            return (null, $"QEMU binary {probe.QemuPath} is not usable: {e.Message}");
        }
    }
}

/// <summary>
/// Everything checked before QEMU starts, each failure a message that says what to fix: QEMU probed and able to run
/// the placed accelerator and CPU model,
/// hugetlbfs for the page size, free pages of that size on EACH bound host node (QEMU would otherwise fail late with
/// "os_mem_prealloc: Insufficient free host memory pages"), sizes in whole pages, boot files inside the image root.
/// </summary>
public static class LaunchPreflight
{
    public static QemuHostFacts Check(VmPlacement placement, VmStatePaths state, PreflightHost host)
    {
        ArgumentNullException.ThrowIfNull(placement);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(host);
        var pageSize = placement.PageSize;
        foreach (var guest in placement.GuestNodes)
        {
            if (guest.MemoryBytes <= 0 || guest.MemoryBytes % pageSize.Bytes != 0)
            {
                throw new PreflightException($"guest node {guest.GuestNode}: memory {guest.MemoryBytes} bytes is not a whole number of {pageSize} pages (spec.memory.size must be a multiple of {ByteQuantity.Format(pageSize.Bytes * placement.GuestNodes.Count)})", isBadInput: true);
            }
        }

        // The console socket's name is the longest of the VM's sockets.
        if (System.Text.Encoding.UTF8.GetByteCount(state.ConsoleSocket) > VmStatePaths.MaxSocketPathBytes)
        {
            throw new PreflightException($"--state-dir {state.Directory}: the console socket path {state.ConsoleSocket} is longer than the {VmStatePaths.MaxSocketPathBytes} bytes a unix socket path may have; use a shorter state directory", isBadInput: true);
        }

        var capabilities = host.Capabilities ?? throw new PreflightException(host.QemuProblem ?? $"QEMU binary {host.QemuPath} was not probed", isBadInput: false);

        if (pageSize.IsHuge)
        {
            var mount = HugetlbfsMounts.ForPageSize(host.HugetlbfsMounts, pageSize.Bytes)
                ?? throw new PreflightException($"no hugetlbfs is mounted with pagesize={ByteQuantity.Format(pageSize.Bytes).Replace("i", string.Empty, StringComparison.Ordinal)} (checked /proc/mounts and statfs); mount one, e.g. mount -t hugetlbfs -o pagesize={ByteQuantity.Format(pageSize.Bytes).Replace("i", string.Empty, StringComparison.Ordinal)} none /dev/hugepages-{ByteQuantity.Format(pageSize.Bytes)}", isBadInput: false);
            foreach (var guest in placement.GuestNodes)
            {
                var needed = guest.MemoryBytes / pageSize.Bytes;
                var free = host.Counters.FreePages(guest.HostNode, pageSize.Bytes);
                if (free < needed)
                {
                    throw new PreflightException($"host NUMA node {guest.HostNode} has {free} free {pageSize} hugepages, guest node {guest.GuestNode} needs {needed} ({ByteQuantity.Human(guest.MemoryBytes)}); reserve more in {host.Counters.TotalPagesPath(guest.HostNode, pageSize.Bytes)} (hugetlbfs at {mount.MountPoint})", isBadInput: false) { IsHugepageShortage = true };
                }
            }
        }

        return new QemuHostFacts(capabilities.Version, host.HugetlbfsMounts);
    }

    /// <summary>
    /// The accelerator and -cpu value of a placed VM on this host, from the probed capabilities: the VM runs the way
    /// it was placed or not at all (never silently under emulation when KVM was placed).
    /// </summary>
    public static QemuCpu ResolveCpu(VmPlacement placement, PreflightHost host)
    {
        ArgumentNullException.ThrowIfNull(placement);
        ArgumentNullException.ThrowIfNull(host);
        var capabilities = host.Capabilities ?? throw new PreflightException(host.QemuProblem ?? $"QEMU binary {host.QemuPath} was not probed", isBadInput: false);
        return capabilities.Resolve(placement, out var problem) ?? throw new PreflightException(problem!, isBadInput: false);
    }

    /// <summary>
    /// Resolves spec.boot's files inside the image root (symlinks followed); refuses anything else as bad input. A
    /// qcow2 disk's backing chain and external data file must resolve inside the root too (<see cref="Qcow2BackingChain"/>).
    /// The disk's format is always explicit in the result, so QEMU never probes it.
    /// </summary>
    public static ResolvedBoot ResolveBoot(BootFiles? boot, ImageRoot imageRoot)
    {
        ArgumentNullException.ThrowIfNull(imageRoot);
        if (boot is null)
        {
            return ResolvedBoot.FirmwareOnly;
        }

        const string diskField = "spec.boot.disk.image";
        try
        {
            var kernel = boot.Kernel is null ? null : imageRoot.Resolve("spec.boot.kernel", boot.Kernel);
            var initrd = boot.Initrd is null ? null : imageRoot.Resolve("spec.boot.initrd", boot.Initrd);
            string? diskPath = null;
            string? diskFormat = null;
            if (boot.Disk is { } disk)
            {
                diskPath = imageRoot.Resolve(diskField, disk.Image);
                diskFormat = DiskFormat(disk);
                if (diskFormat == "qcow2")
                {
                    var source = disk.Format is null ? "spec.boot.disk.format is omitted and the name ends in .qcow2" : "spec.boot.disk.format is qcow2";
                    Qcow2BackingChain.Check(diskField, disk.Image, source, diskPath, imageRoot);
                }
            }

            return new ResolvedBoot(kernel, initrd, boot.Cmdline, diskPath, diskFormat);
        }
        catch (BootFileException e)
        {
            throw new PreflightException(e.Message, isBadInput: true);
        }
    }

    /// <summary>The API's rule for an omitted format: qcow2 for *.qcow2 names, raw otherwise.</summary>
    public static string DiskFormat(DiskImage disk)
    {
        ArgumentNullException.ThrowIfNull(disk);
        return disk.Format ?? (disk.Image.EndsWith(".qcow2", StringComparison.Ordinal) ? "qcow2" : "raw");
    }
}
