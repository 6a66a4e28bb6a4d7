using NumaOperator.Qemu.CommandLine;

namespace NumaOperator.Agent.Launch;

/// <summary>
/// QEMU in a transient systemd scope of the HOST (systemd-run --scope, entered through nsenter into PID 1's mount,
/// UTS, IPC, network and PID namespaces): the scope is its own cgroup under system.slice, so QEMU outlives the agent
/// container, its restarts and upgrades. With --scope, systemd-run executes QEMU itself and returns when QEMU's
/// parent exits after -daemonize, which is what the supervisor waits for. --collect unloads the unit even when
/// QEMU fails, so the next start of the same VM can reuse the unit name numa-vm-UID. Needs a privileged pod with
/// hostPID, and the state dir, image root and hugetlbfs mount at the same paths on the host as in the pod.
/// </summary>
public sealed class SystemdRunLaunch : ILaunchStrategy
{
    public const string UnitPrefix = "numa-vm-";

    public string Name => "systemd-run";

    public string NsenterPath { get; init; } = "/usr/bin/nsenter";

    public IReadOnlyList<string> Wrap(IReadOnlyList<string> qemuArgv, VmLaunchSpec spec)
    {
        ArgumentNullException.ThrowIfNull(qemuArgv);
        ArgumentNullException.ThrowIfNull(spec);
        return
        [
            .. ProbePrefix,
            "systemd-run", "--unit=" + UnitName(spec.Uuid), "--scope", "--collect", "--quiet", "--",
            .. qemuArgv,
        ];
    }

    /// <summary>The host's namespaces (PID 1's): the probe runs the host's QEMU binary, not the image's.</summary>
    public IReadOnlyList<string> ProbePrefix => [NsenterPath, "-t", "1", "-m", "-u", "-i", "-n", "-p", "--"];

    /// <summary>With hostPID, PID 1's root is the host's file system.</summary>
    public string HostRoot => "/proc/1/root";

    /// <summary>numa-vm-UID.scope: one unit per VM identity (metadata.uid), never a user-chosen string.</summary>
    public static string UnitName(Guid uuid) => UnitPrefix + uuid.ToString("D");
}
