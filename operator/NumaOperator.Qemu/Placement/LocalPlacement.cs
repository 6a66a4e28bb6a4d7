using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;
using NumaOperator.Qemu.Preflight;

namespace NumaOperator.Qemu.Placement;

/// <summary>
/// The placement `numa-operator launch` uses on one host: guest node i on the i-th listed host node, dedicated vCPUs on
/// that node's highest-numbered CPUs (the low ones stay for the host and QEMU's own threads). Deliberately simple:
/// the cluster scheduler is the placement engine's job; this only turns "--host-nodes 1" into a VmPlacement.
/// </summary>
public static class LocalPlacement
{
    /// <summary>
    /// The accelerator the VM runs under on this host, chosen by the scheduler's own rule (<see cref="AcceleratorMatch"/>)
    /// from what the capability probe found; a host that cannot run it is a runtime failure naming why.
    /// </summary>
    public static Accelerator ChooseAccelerator(VmRequest request, PreflightHost host)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(host);
        var capabilities = host.Capabilities ?? throw new PreflightException(host.QemuProblem ?? "QEMU was not probed", isBadInput: false);
        var offers = capabilities.Offers();
        return AcceleratorMatch.Choose(offers, request.Accelerator, request.CpuModel, null, out var reason)
            ?? throw new PreflightException(
                $"spec.accelerator {AcceleratorNames.Of(request.Accelerator)} with spec.cpu.model {request.CpuModel}: this host cannot run it ({reason}; "
                + string.Join("; ", offers.Select(o => $"{AcceleratorNames.Of(o.Accelerator)}: {(o.Usable ? "usable" : "not usable")}{(o.Reason is null ? string.Empty : ", " + o.Reason)}")) + ")",
                isBadInput: false);
    }

    public static VmPlacement Build(string nodeName, VmRequest request, IReadOnlyList<int> hostNodes, HostTopology topology, Accelerator accelerator)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(hostNodes);
        ArgumentNullException.ThrowIfNull(topology);
        if (hostNodes.Count != request.GuestNodes)
        {
            throw new PreflightException($"--host-nodes lists {hostNodes.Count} host node(s) ({string.Join(",", hostNodes)}) but spec.numa.guestNodes is {request.GuestNodes}: give one host node per guest node", isBadInput: true);
        }

        if (hostNodes.Distinct().Count() != hostNodes.Count)
        {
            throw new PreflightException($"--host-nodes {string.Join(",", hostNodes)}: each guest node needs a different host node", isBadInput: true);
        }

        var guests = new List<GuestNodePlacement>();
        for (var g = 0; g < hostNodes.Count; g++)
        {
            var hostNode = topology.Node(hostNodes[g])
                ?? throw new PreflightException($"--host-nodes: host NUMA node {hostNodes[g]} does not exist here (this host has {string.Join(",", topology.NumaNodes.Select(n => n.Id))})", isBadInput: true);
            if (request.AllowedHostNodes is { } allowed && !allowed.Contains(hostNode.Id))
            {
                throw new PreflightException($"--host-nodes: host NUMA node {hostNode.Id} is not in spec.numa.nodes \"{allowed}\"", isBadInput: true);
            }

            var vcpus = request.VcpuIndexesOf(g);
            var hostCpus = CpuSet.Empty;
            if (request.DedicatedCpus)
            {
                if (hostNode.Cpus.Count < vcpus.Count)
                {
                    throw new PreflightException($"host NUMA node {hostNode.Id} has {hostNode.Cpus.Count} CPU(s) ({hostNode.Cpus}); guest node {g} needs {vcpus.Count} dedicated", isBadInput: true);
                }

                hostCpus = CpuSet.Of(hostNode.Cpus.Reverse().Take(vcpus.Count));
            }

            guests.Add(new GuestNodePlacement(g, hostNode.Id, vcpus, hostCpus, request.MemoryPerGuestNode));
        }

        return new VmPlacement(nodeName, request.PageSize, guests)
        {
            Accelerator = accelerator,
            CpuModel = request.CpuModel,
            Policy = request.Policy,
        };
    }
}
