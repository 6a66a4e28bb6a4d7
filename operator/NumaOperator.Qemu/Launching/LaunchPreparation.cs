using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Topology;
using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Disks;
using NumaOperator.Qemu.Host;
using NumaOperator.Qemu.Networking;
using NumaOperator.Qemu.Preflight;

namespace NumaOperator.Qemu.Launching;

/// <summary>A launch that passed pre-flight: the spec, the host facts it was checked against and QEMU's own argv (before any launch strategy wraps it).</summary>
public sealed record PreparedLaunch(VmLaunchSpec Spec, QemuHostFacts Facts, IReadOnlyList<string> QemuArgv);

/// <summary>
/// The one path from a placed VM to a QEMU argv, shared by the node agent and <c>numa-operator launch</c>: boot files
/// resolved inside the image root, pre-flight checks, then the argv. Nothing is created on disk; a
/// <see cref="PreflightException"/> means nothing was started.
/// </summary>
public static class LaunchPreparation
{
    /// <param name="qemuUser">
    /// The uid/gid QEMU drops to once its files are open; null keeps it as root. Applied only when this process is root:
    /// an unprivileged launcher cannot switch users (QEMU would fail at setgid) and its QEMU is unprivileged already.
    /// </param>
    /// <param name="topology">This host's NUMA facts: the guest of a spanning VM gets their distances (-numa dist).</param>
    /// <param name="binding">How the backends are bound; anything but AsPlaced only for the NUMA lab's control runs.</param>
    /// <param name="nics">The VM's NICs as the network pre-flight resolved them (<see cref="NetworkPreflight"/>); null: no network.</param>
    /// <param name="disks">The VM's own disks (the agent): the root overlay replaces spec.boot.disk's base image, data disks and the seed follow.</param>
    /// <param name="incoming">The target of a live migration: QEMU waits for the stream (-incoming defer).</param>
    /// <exception cref="PreflightException">Bad boot files (IsBadInput) or a host that cannot run the VM.</exception>
    public static PreparedLaunch Prepare(
        string name,
        Guid uuid,
        VmPlacement placement,
        BootFiles? boot,
        ImageRoot imageRoot,
        VmStatePaths state,
        PreflightHost host,
        QemuUser? qemuUser,
        HostTopology topology,
        BindingForTest binding = BindingForTest.AsPlaced,
        IReadOnlyList<VmNic>? nics = null,
        VmDiskPlan? disks = null,
        bool incoming = false)
    {
        ArgumentNullException.ThrowIfNull(host);
        var resolved = LaunchPreflight.ResolveBoot(boot, imageRoot);
        if (disks is not null)
        {
            resolved = disks.AttachTo(resolved);
        }

        var facts = LaunchPreflight.Check(placement, state, host);
        var cpu = LaunchPreflight.ResolveCpu(placement, host);
        var runAs = Environment.IsPrivilegedProcess ? qemuUser : null;
        var spec = new VmLaunchSpec(name, uuid, placement, cpu, resolved, state, binding, runAs)
        {
            Distances = GuestNumaDistances.Of(placement, topology),
            Nics = nics ?? [],
            ExtraDrives = disks?.Drives ?? [],
            Incoming = incoming,
        };
        return new PreparedLaunch(spec, facts, QemuArgvBuilder.Build(host.QemuPath, spec, facts));
    }
}
