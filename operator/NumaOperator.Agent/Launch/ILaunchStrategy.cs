using NumaOperator.Qemu.CommandLine;

namespace NumaOperator.Agent.Launch;

/// <summary>
/// How the agent starts QEMU so that the VM survives the agent: in a pod, a child of the agent container dies with
/// the container's cgroup, so a strategy may run QEMU elsewhere (e.g. a transient systemd scope on the host). Pure:
/// it only turns QEMU's argv into the argv the supervisor executes (never through a shell).
/// </summary>
public interface ILaunchStrategy
{
    /// <summary>Name used in logs, flags and docs ("direct", "systemd-run").</summary>
    string Name { get; }

    IReadOnlyList<string> Wrap(IReadOnlyList<string> qemuArgv, VmLaunchSpec spec);

    /// <summary>
    /// What runs a short-lived QEMU (the capability probe) in the same namespaces as the VMs, so the QEMU that is
    /// probed is the QEMU that runs: put before QEMU's argv.
    /// </summary>
    IReadOnlyList<string> ProbePrefix { get; }

    /// <summary>Where this process sees the root file system QEMU runs in ("/" when it is the same).</summary>
    string HostRoot { get; }
}
