using NumaOperator.Api.V1Alpha1;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;

namespace NumaOperator.Api.Conversion;

/// <summary>Maps host NUMA facts to and from the NumaNodeTopology resource.</summary>
public static class TopologyConversion
{
    public static NumaNodeTopologyStatus ToStatus(HostTopology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        return new NumaNodeTopologyStatus
        {
            NumaNodes = topology.NumaNodes.Select(n => new NumaNodeStatus
            {
                Id = n.Id,
                Cpus = n.Cpus.ToString(),
                Cores = n.Cores.Select(c => (IList<int>)c.ToList()).ToList(),
                MemoryBytes = n.MemoryBytes,
                Hugepages = n.Hugepages.Select(p => new HugepagePoolStatus
                {
                    PageSize = p.PageSize.ToString(),
                    Total = p.Total,
                    Free = p.Free,
                }).ToList(),
                Distances = n.Distances.ToList(),
            }).ToList(),
        };
    }

    public static NumaNodeTopology ToResource(string nodeName, HostTopology topology) => new()
    {
        Metadata = new k8s.Models.V1ObjectMeta { Name = nodeName },
        Status = ToStatus(topology),
    };

    /// <summary>Reads a published status back into host facts.</summary>
    /// <exception cref="FormatException">A cpuset or page size in the status is malformed; the message names the field.</exception>
    public static HostTopology FromStatus(NumaNodeTopologyStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var nodes = status.NumaNodes.Select((n, i) =>
        {
            var path = $"status.numaNodes[{i}]";
            var cpus = ParseCpuSet(n.Cpus, path + ".cpus");
            var pools = n.Hugepages.Select((p, j) =>
            {
                if (!ByteQuantity.TryParse(p.PageSize, out var bytes) || bytes <= 0)
                {
                    throw new FormatException($"{path}.hugepages[{j}].pageSize: \"{p.PageSize}\" is not a page size such as 2Mi or 1Gi");
                }

                return new HugepagePool(PageSize.HugeOfBytes(bytes), p.Total, p.Free);
            }).OrderBy(p => p.PageSize.Bytes).ToList();
            var cores = n.Cores.Count > 0
                ? n.Cores.Select(c => CpuSet.Of(c)).ToList()
                : cpus.Select(c => CpuSet.Of(c)).ToList(); // no SMT facts: every CPU its own core
            return new HostNumaNode(n.Id, cpus, cores, n.MemoryBytes, pools, n.Distances.ToList());
        }).OrderBy(n => n.Id).ToList();
        return new HostTopology(nodes);
    }

    /// <summary>A NumaNodeTopology and its Node's labels as a schedulable node.</summary>
    public static ClusterNode ToClusterNode(NumaNodeTopology resource, IReadOnlyDictionary<string, string>? labels = null)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var reserved = resource.Spec?.ReservedCpus is { } r ? ParseCpuSet(r, "spec.reservedCpus") : CpuSet.Empty;
        var topology = resource.Status is null ? new HostTopology([]) : FromStatus(resource.Status);
        var nodeLabels = labels
            ?? (IReadOnlyDictionary<string, string>?)resource.Metadata?.Labels?.ToDictionary(kv => kv.Key, kv => kv.Value)
            ?? new Dictionary<string, string>();
        return new ClusterNode(resource.Metadata?.Name ?? string.Empty, nodeLabels, topology, reserved)
        {
            Accelerators = AcceleratorOffers(resource.Status?.Qemu),
        };
    }

    /// <summary>
    /// status.qemu.accelerators as offers; a status from an agent that predates them (only status.qemu.kvm) offers
    /// KVM (when kvm) and emulation with host-model, plus host-passthrough under KVM; no QEMU facts at all: null.
    /// </summary>
    public static IReadOnlyList<AcceleratorOffer>? AcceleratorOffers(QemuInfo? qemu)
    {
        if (qemu is null)
        {
            return null;
        }

        if (qemu.Accelerators is null)
        {
            var legacy = new List<AcceleratorOffer>
            {
                new(Accelerator.Emulation, true, new HashSet<string>(StringComparer.Ordinal) { AcceleratorNames.HostModel }),
            };
            if (qemu.Kvm)
            {
                legacy.Insert(0, new(Accelerator.Kvm, true, new HashSet<string>(StringComparer.Ordinal) { AcceleratorNames.HostModel, AcceleratorNames.HostPassthrough }));
            }

            return legacy;
        }

        return qemu.Accelerators
            .Where(a => AcceleratorNames.ParseAccelerator(a.Name) is not null)
            .Select(a => new AcceleratorOffer(AcceleratorNames.ParseAccelerator(a.Name)!.Value, a.Usable, new HashSet<string>(a.CpuModels, StringComparer.Ordinal), a.Reason))
            .ToList();
    }

    private static CpuSet ParseCpuSet(string text, string path) =>
        CpuSet.TryParse(text, out var set, out var error) ? set : throw new FormatException($"{path}: {error}");
}
