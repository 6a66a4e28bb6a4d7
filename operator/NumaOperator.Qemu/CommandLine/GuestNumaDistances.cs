using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Topology;
using NumaOperator.Qemu.Preflight;

namespace NumaOperator.Qemu.CommandLine;

/// <summary>One entry of the guest's SLIT: QEMU's <c>-numa dist,src=,dst=,val=</c>.</summary>
public sealed record GuestNumaDistance(int SourceGuestNode, int DestinationGuestNode, int Value);

/// <summary>
/// The NUMA distances a spanning VM's guest sees: the host's SLIT between the host nodes its guest nodes are placed on,
/// so the guest kernel (and its scheduler) knows how far apart its nodes really are. Without them QEMU generates no
/// SLIT and Linux assumes 20 everywhere. Pure: the caller reads the host topology.
/// </summary>
public static class GuestNumaDistances
{
    /// <summary>Every ordered pair of distinct guest nodes (both directions: a host SLIT may be asymmetric); none for one guest node.</summary>
    /// <exception cref="PreflightException">The host does not report a distance between two placed host nodes.</exception>
    public static IReadOnlyList<GuestNumaDistance> Of(VmPlacement placement, HostTopology topology)
    {
        ArgumentNullException.ThrowIfNull(placement);
        ArgumentNullException.ThrowIfNull(topology);
        var distances = new List<GuestNumaDistance>();
        foreach (var source in placement.GuestNodes)
        {
            foreach (var destination in placement.GuestNodes.Where(d => d.GuestNode != source.GuestNode))
            {
                var value = topology.Distance(source.HostNode, destination.HostNode);
                if (value is not (> 10 and <= 255))
                {
                    throw new PreflightException(
                        $"guest nodes {source.GuestNode} and {destination.GuestNode} are placed on host nodes {source.HostNode} and {destination.HostNode}, "
                        + $"but this host reports {(value is null ? "no" : "an invalid")} NUMA distance between them{(value is null ? string.Empty : $" ({value}; a remote distance is 11-255)")} (/sys/devices/system/node/node{source.HostNode}/distance)",
                        isBadInput: false);
                }

                distances.Add(new GuestNumaDistance(source.GuestNode, destination.GuestNode, value.Value));
            }
        }

        return distances;
    }
}
