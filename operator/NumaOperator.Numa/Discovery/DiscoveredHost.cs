using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;

namespace NumaOperator.Numa.Discovery;

/// <summary>What sysfs says about a host: its NUMA topology plus facts the topology record does not carry.</summary>
/// <param name="Topology">Online NUMA nodes with their online CPUs, cores, memory, hugepage pools and distances.</param>
/// <param name="OfflineCpus">CPUs present but offline (cpuN/online is 0); they are in no node's Cpus or Cores.</param>
/// <param name="PackagesByNode">Physical packages (sockets, physical_package_id) of each node's online CPUs, by node id.</param>
public sealed record DiscoveredHost(
    HostTopology Topology,
    CpuSet OfflineCpus,
    IReadOnlyDictionary<int, CpuSet> PackagesByNode);
