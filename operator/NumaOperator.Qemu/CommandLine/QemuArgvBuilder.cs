using System.Globalization;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Qemu.Host;
using NumaOperator.Qemu.Networking;

namespace NumaOperator.Qemu.CommandLine;

/// <summary>
/// The QEMU argument vector of one VM: a pure function of the launch spec and host facts (snapshot-tested).
/// One memory backend per guest NUMA node, each bound to its own host node (a range with policy=bind lets the kernel
/// fill the lowest node first); -S so nothing runs before the supervisor has pinned the vCPU threads.
/// Every value that comes from outside (names, paths, cmdline) goes through <see cref="QemuOptionValue.Escape"/>
/// or stands alone as the argument of a flag that takes it verbatim (-append, -pidfile), so it can never become an option.
/// </summary>
public static class QemuArgvBuilder
{
    public static IReadOnlyList<string> Build(string qemuPath, VmLaunchSpec spec, QemuHostFacts host)
    {
        ArgumentException.ThrowIfNullOrEmpty(qemuPath);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(host);
        var placement = spec.Placement;
        if (placement.GuestNodes.Count == 0)
        {
            throw new ArgumentException("a placement needs at least one guest node", nameof(spec));
        }

        var pageSize = placement.PageSize;
        string? memPath = null;
        if (pageSize.IsHuge)
        {
            memPath = HugetlbfsMounts.ForPageSize(host.HugetlbfsMounts, pageSize.Bytes)?.MountPoint
                ?? throw new ArgumentException($"no hugetlbfs mount with pagesize {pageSize} among the host facts", nameof(host));
        }

        var argv = new List<string>
        {
            qemuPath,
            "-name", $"guest={QemuOptionValue.Escape(spec.Name)},debug-threads=on",
            "-uuid", spec.Uuid.ToString("D"),
            "-machine", $"q35,accel={spec.Cpu.QemuAccelerator}",

            // From the capability probe: a validated model name plus any documented nested-KVM fallback properties.
            "-cpu", spec.Cpu.QemuValue,
        };

        argv.AddRange([
            "-nodefaults",
            "-no-user-config",
            "-display", "none",
            "-smp", Smp(spec.Vcpus, placement.GuestNodes.Count),
            "-m", MemorySize(placement.MemoryBytes),
        ]);

        for (var i = 0; i < placement.GuestNodes.Count; i++)
        {
            AddGuestNode(argv, spec, host, memPath, i);
        }

        // The host's distances between the placed host nodes, so the guest's SLIT says how far its nodes really are.
        foreach (var distance in spec.Distances)
        {
            argv.AddRange(["-numa", string.Create(CultureInfo.InvariantCulture, $"dist,src={distance.SourceGuestNode},dst={distance.DestinationGuestNode},val={distance.Value}")]);
        }

        var state = spec.State;
        argv.AddRange([
            // The serial port on a socket a console client attaches to (one at a time), every byte also appended to
            // the serial log whether a client is attached or not; O_APPEND (logappend=on) so the agent can truncate it.
            "-chardev", $"socket,id=serial0,path={QemuOptionValue.Escape(state.ConsoleSocket)},server=on,wait=off,logfile={QemuOptionValue.Escape(state.SerialLog)},logappend=on",
            "-serial", "chardev:serial0",
            "-chardev", $"socket,id=qmp,path={QemuOptionValue.Escape(state.QmpSocket)},server=on,wait=off",
            "-mon", "chardev=qmp,mode=control",
            "-pidfile", state.PidFile,
        ]);

        AddBoot(argv, spec.Boot);
        argv.AddRange(NetworkArgv.For(spec.Nics));
        AddDrives(argv, spec.ExtraDrives);
        AddConfinement(argv, spec, host);
        if (spec.Incoming)
        {
            // The listening address is chosen over QMP (migrate-incoming) once the agent has pinned the threads.
            argv.AddRange(["-incoming", "defer"]);
        }

        argv.AddRange(["-daemonize", "-S"]);
        return argv;
    }

    /// <summary>
    /// Guest node <paramref name="index"/>: its memory backend bound to its host node (prealloc'd by threads running
    /// there when QEMU has thread-context) and its -numa node with its vCPUs.
    /// </summary>
    private static void AddGuestNode(List<string> argv, VmLaunchSpec spec, QemuHostFacts host, string? memPath, int index)
    {
        var placement = spec.Placement;
        var bind = spec.Binding != BindingForTest.Omitted;
        var guest = placement.GuestNodes[index];
        var id = guest.GuestNode.ToString(CultureInfo.InvariantCulture);
        var backendId = MemoryBackendIds.Of(guest.GuestNode);
        var preallocThreads = Math.Max(1, guest.Vcpus.Count).ToString(CultureInfo.InvariantCulture);
        var useContext = host.UseThreadContext && bind;
        var hostNodes = BoundHostNodes(spec.Binding, placement, index);
        if (useContext)
        {
            argv.AddRange(["-object", $"thread-context,id=tc{id},{ListOption("node-affinity", hostNodes)}"]);
        }

        var backend = placement.PageSize.IsHuge
            ? $"memory-backend-file,id={backendId},size={guest.MemoryBytes},mem-path={QemuOptionValue.Escape(memPath!)},share=on,prealloc=on"
            : $"memory-backend-ram,id={backendId},size={guest.MemoryBytes},prealloc=on";
        if (bind)
        {
            backend += $",{ListOption("host-nodes", hostNodes)},policy={(placement.Policy == NumaPolicy.Strict ? "bind" : "preferred")}";
        }

        backend += $",prealloc-threads={preallocThreads}";
        if (useContext)
        {
            backend += $",prealloc-context=tc{id}";
        }

        argv.AddRange(["-object", backend]);
        argv.AddRange(["-numa", $"node,nodeid={id},{CpusOption(guest.Vcpus)},memdev={backendId}"]);
    }

    private static void AddBoot(List<string> argv, ResolvedBoot boot)
    {
        if (boot.KernelPath is not null)
        {
            argv.AddRange(["-kernel", boot.KernelPath]);
            if (boot.InitrdPath is not null)
            {
                argv.AddRange(["-initrd", boot.InitrdPath]);
            }

            if (boot.Cmdline is not null)
            {
                argv.AddRange(["-append", boot.Cmdline]);
            }
        }

        if (boot.DiskPath is not null)
        {
            argv.AddRange(["-drive", $"file={QemuOptionValue.Escape(boot.DiskPath)},format={boot.DiskFormat ?? "raw"},if=virtio"]);
        }
    }

    /// <summary>Data disks and the seed, in order after the root disk (vdb, vdc, ...); the seed is read-only.</summary>
    private static void AddDrives(List<string> argv, IReadOnlyList<VmDrive> drives)
    {
        foreach (var drive in drives)
        {
            argv.AddRange(["-drive", $"file={QemuOptionValue.Escape(drive.Path)},format={drive.Format},if=virtio{(drive.ReadOnly ? ",readonly=on" : string.Empty)}"]);
        }
    }

    /// <summary>The seccomp sandbox and the unprivileged user QEMU drops to.</summary>
    private static void AddConfinement(List<string> argv, VmLaunchSpec spec, QemuHostFacts host)
    {
        // QEMU's seccomp filter: no obsolete syscalls, no changing its own scheduling/affinity/priorities (the agent pins
        // from outside). elevateprivileges (deny or children) and spawn=deny are left out: QEMU 7.2 installs the filter
        // before it daemonizes and before it drops to the -runas user, so they kill it at -daemonize's setsid
        // (SIGSYS, syscall 112) and, without -daemonize, at -runas's setgid (syscall 106) (checked on 7.2.22).
        argv.AddRange(["-sandbox", "on,obsolete=deny,resourcecontrol=deny"]);
        if (spec.RunAs is { } user)
        {
            // QEMU switches to this uid/gid (supplementary groups cleared) after opening every file above and
            // initialising the machine, just before the guest may run; the agent (root) keeps QMP, pinning and /proc.
            argv.AddRange(host.UseRunWithUser
                ? ["-run-with", "user=" + QemuOptionValue.Escape(user.ToString())]
                : ["-runas", user.ToString()]);
        }
    }

    /// <summary>The host nodes guest node <paramref name="index"/>'s backend is bound to: its own, or a test-only wrong binding.</summary>
    private static CpuSet BoundHostNodes(BindingForTest binding, VmPlacement placement, int index) => binding switch
    {
        BindingForTest.Swapped => CpuSet.Of(placement.GuestNodes[(index + 1) % placement.GuestNodes.Count].HostNode),
        BindingForTest.Wide => placement.HostNodes,
        _ => CpuSet.Of(placement.GuestNodes[index].HostNode),
    };

    /// <summary>One socket per guest node when the vCPUs split evenly, which is how the guest sees its NUMA nodes.</summary>
    private static string Smp(int vcpus, int guestNodes) =>
        vcpus % guestNodes == 0
            ? $"{vcpus},sockets={guestNodes},cores={vcpus / guestNodes},threads=1"
            : $"{vcpus},sockets=1,cores={vcpus},threads=1";

    private static string MemorySize(long bytes) =>
        bytes % (1L << 20) == 0 ? $"{bytes >> 20}M" : $"{bytes >> 10}K";

    /// <summary>-numa takes one cpus= per contiguous range ("cpus=0-1,cpus=4").</summary>
    private static string CpusOption(CpuSet vcpus) => ListOption("cpus", vcpus);

    /// <summary>A QEMU integer list as one key per contiguous range ("host-nodes=0-1,host-nodes=3"): a comma would start a new property.</summary>
    private static string ListOption(string key, CpuSet values) =>
        string.Join(',', values.ToString().Split(',').Select(r => key + "=" + r));
}
