namespace NumaOperator.Cli.Rendering;

/// <summary>Where a picture's numbers come from, which decides what its bars can say.</summary>
public enum PictureSource
{
    /// <summary>The host's own sysfs (`nodes`): hugepages in use by anyone; no CPU roles (those are the cluster's).</summary>
    Sysfs,

    /// <summary>A NumaNodeTopology and the VMs placed on it (`explain`, standalone): what the scheduler's ledger promised.</summary>
    Ledger,
}

/// <summary>What the terminal picture draws of one host: each NUMA node with its bars, then the distance matrix.</summary>
public sealed record HostPicture(string NodeName, PictureSource Source, IReadOnlyList<NumaNodePicture> NumaNodes);

/// <param name="Cpus">The node's CPUs in cpuset syntax ("" for a memory-only node).</param>
/// <param name="Layout">"16 cores x 2 threads"-style text, or null when the cores are not known.</param>
/// <param name="Roles">CPUs by role from the ledger; null in a sysfs picture.</param>
/// <param name="Marks">Lines that point at this NUMA node, e.g. the explained VM's guest node living here.</param>
public sealed record NumaNodePicture(
    int Id,
    string Cpus,
    int CpuCount,
    string? Layout,
    long MemoryBytes,
    CpuRoles? Roles,
    IReadOnlyList<PoolPicture> Pools,
    IReadOnlyList<int> Distances,
    IReadOnlyList<string> Marks);

/// <summary>CPU counts by role; they add up to the node's CPUs.</summary>
public sealed record CpuRoles(int Dedicated, int Shared, int Reserved, int Free);

/// <param name="Used">Pages in use (sysfs: total − free) or placed (ledger).</param>
/// <param name="KernelFree">Ledger pictures: the kernel's free count the agent last published, when it differs from the ledger's.</param>
public sealed record PoolPicture(string PageSize, long Total, long Used, long? KernelFree = null);
