using NumaOperator.Numa.Quantities;

namespace NumaOperator.Numa.Placement;

/// <summary>
/// What one VM asks of a host, already validated (see NumaOperator.Api validation): the placement
/// engine's view of a NumaVirtualMachine spec.
/// </summary>
/// <param name="Key">namespace/name, used in ledgers and messages.</param>
/// <param name="Vcpus">Number of vCPUs (spec.cpu.cores).</param>
/// <param name="DedicatedCpus">Pin each vCPU to its own host CPU (spec.cpu.dedicated).</param>
/// <param name="MemoryBytes">Guest RAM (spec.memory.size).</param>
/// <param name="PageSize">Backing page size; <see cref="PageSize.Normal"/> when no hugepages are asked for.</param>
/// <param name="AllowedHostNodes">spec.numa.nodes, or null for any host NUMA node.</param>
/// <param name="GuestNodes">spec.numa.guestNodes: each on a distinct host NUMA node.</param>
/// <param name="NodeSelector">spec.nodeSelector: labels a Kubernetes node must carry.</param>
/// <remarks><see cref="Accelerator"/> and <see cref="CpuModel"/> (spec.accelerator, spec.cpu.model) limit the nodes to those whose agent found them working.</remarks>
public sealed record VmRequest(
    string Key,
    int Vcpus,
    bool DedicatedCpus,
    long MemoryBytes,
    PageSize PageSize,
    CpuSet? AllowedHostNodes,
    int GuestNodes,
    NumaPolicy Policy,
    IReadOnlyDictionary<string, string> NodeSelector)
{
    /// <summary>spec.accelerator: which accelerators the VM accepts.</summary>
    public AcceleratorRequirement Accelerator { get; init; } = AcceleratorRequirement.Kvm;

    /// <summary>spec.cpu.model: host-passthrough, host-model or a QEMU CPU model name.</summary>
    public string CpuModel { get; init; } = AcceleratorNames.HostModel;

    /// <summary>Guest RAM of guest node <paramref name="guestNode"/>: an even split (validation guarantees whole pages).</summary>
    public long MemoryPerGuestNode => MemoryBytes / GuestNodes;

    /// <summary>vCPUs of guest node <paramref name="guestNode"/>: an even split, the first nodes take the remainder.</summary>
    public int VcpusOf(int guestNode) => (Vcpus / GuestNodes) + (guestNode < Vcpus % GuestNodes ? 1 : 0);

    /// <summary>The guest vCPU indexes of guest node <paramref name="guestNode"/>: contiguous, in guest node order.</summary>
    public CpuSet VcpuIndexesOf(int guestNode)
    {
        var start = 0;
        for (var g = 0; g < guestNode; g++)
        {
            start += VcpusOf(g);
        }

        return CpuSet.Of(Enumerable.Range(start, VcpusOf(guestNode)));
    }
}
