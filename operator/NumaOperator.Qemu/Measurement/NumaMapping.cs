namespace NumaOperator.Qemu.Measurement;

/// <summary>One line of /proc/PID/numa_maps.</summary>
/// <param name="Address">Start address of the mapping.</param>
/// <param name="Policy">The memory policy as printed: "default", "bind:1", "prefer:1", "interleave:0-1", "local".</param>
/// <param name="File">file= path (octal escapes undone, " (deleted)" kept), or null for anonymous memory.</param>
/// <param name="IsHuge">"huge": hugetlbfs-backed.</param>
/// <param name="PagesByNode">N&lt;node&gt;=&lt;pages&gt;, in pages of <paramref name="KernelPageBytes"/>.</param>
/// <param name="KernelPageBytes">kernelpagesize_kB × 1024: 4096, or the huge page size.</param>
public sealed record NumaMapping(
    ulong Address,
    string Policy,
    string? File,
    bool IsHuge,
    IReadOnlyDictionary<int, long> PagesByNode,
    long KernelPageBytes)
{
    /// <summary>Host node ids of the policy's nodemask ("bind:1" → [1]); empty for default/local.</summary>
    public IReadOnlyList<int> PolicyNodes
    {
        get
        {
            var colon = Policy.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0 || !Numa.Quantities.CpuSet.TryParse(Policy[(colon + 1)..], out var nodes, out _))
            {
                return [];
            }

            return [.. nodes];
        }
    }

    /// <summary>The policy's mode without its nodes: "bind", "prefer", "default".</summary>
    public string PolicyMode => Policy.Split(':')[0];

    /// <summary>Resident bytes per host node (pages × kernel page size).</summary>
    public IReadOnlyDictionary<int, long> BytesByNode => PagesByNode.ToDictionary(kv => kv.Key, kv => kv.Value * KernelPageBytes);

    public long Bytes => PagesByNode.Values.Sum() * KernelPageBytes;
}
