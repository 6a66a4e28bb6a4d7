using NumaOperator.Numa.Placement;
using NumaOperator.Qemu.Capabilities;
using NumaOperator.Qemu.Networking;

namespace NumaOperator.Qemu.CommandLine;

/// <summary>Boot files already resolved inside the image root (real paths), plus the kernel command line.</summary>
public sealed record ResolvedBoot(string? KernelPath, string? InitrdPath, string? Cmdline, string? DiskPath, string? DiskFormat)
{
    public static ResolvedBoot FirmwareOnly { get; } = new(null, null, null, null, null);
}

/// <summary>Everything that decides one VM's QEMU command line besides host facts.</summary>
/// <param name="Name">metadata.name: a validated DNS subdomain.</param>
/// <param name="Uuid">The VM's identity; QEMU carries it in its argv, which is how adoption recognises it.</param>
/// <param name="Placement">Guest nodes on host nodes, with vCPUs, host CPUs and memory each.</param>
/// <param name="Binding">How the backends are bound: as placed, or one of the NUMA lab's deliberately wrong control shapes.</param>
/// <param name="RunAs">The identity QEMU drops to after opening its files; null keeps the launcher's (root in the agent).</param>
public sealed record VmLaunchSpec(
    string Name,
    Guid Uuid,
    VmPlacement Placement,
    QemuCpu Cpu,
    ResolvedBoot Boot,
    VmStatePaths State,
    BindingForTest Binding = BindingForTest.AsPlaced,
    QemuUser? RunAs = null)
{
    public int Vcpus => Placement.GuestNodes.Sum(g => g.Vcpus.Count);

    /// <summary>The guest's SLIT from the host's (<see cref="GuestNumaDistances"/>): empty for one guest node.</summary>
    public IReadOnlyList<GuestNumaDistance> Distances { get; init; } = [];

    /// <summary>The VM's virtio-net NICs, resolved by the network pre-flight (spec.interfaces order); empty: no network.</summary>
    public IReadOnlyList<VmNic> Nics { get; init; } = [];

    /// <summary>Virtio block devices after the root disk: data disks, then the cloud-init seed.</summary>
    public IReadOnlyList<VmDrive> ExtraDrives { get; init; } = [];

    /// <summary>
    /// The target of a live migration: QEMU starts with <c>-incoming defer</c> (it waits for QMP migrate-incoming and
    /// then for the stream) and, as always, -S, so the guest stays paused after the stream until the agent `cont`s it.
    /// </summary>
    public bool Incoming { get; init; }
}
