namespace NumaOperator.Qemu.Measurement;

/// <summary>
/// Finds the guest RAM in a QEMU process's numa_maps and sums it per host node. Pure: the caller reads the files.
/// Hugepage backends are the files QEMU created under the hugetlbfs mount point; ordinary-page backends are the
/// anonymous read-write mappings exactly the size of a backend (maps gives sizes; QEMU maps each backend alone).
/// </summary>
public static class GuestMemoryMeasurer
{
    public static NumaMeasurement Measure(string numaMaps, string maps, GuestRamLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var all = NumaMapsParser.Parse(numaMaps);
        var ranges = ProcMapsParser.Parse(maps).ToDictionary(m => m.Start);
        var backendSizes = layout.Backends.Select(b => b.Bytes).ToHashSet();
        var guest = new List<NumaMapping>();
        foreach (var mapping in all)
        {
            if (layout.IsHuge)
            {
                var prefix = layout.HugetlbfsMountPoint!.TrimEnd('/') + "/";
                if (mapping.File is { } file && file.StartsWith(prefix, StringComparison.Ordinal))
                {
                    guest.Add(mapping);
                }
            }
            else if (mapping.File is null
                && ranges.TryGetValue(mapping.Address, out var range)
                && range.Path is null
                && range.Permissions.StartsWith("rw", StringComparison.Ordinal)
                && backendSizes.Contains(range.Length))
            {
                guest.Add(mapping);
            }
        }

        var guestByNode = Sum(guest);
        var processByNode = Sum(all);
        var placed = layout.PlacedHostNodes.ToHashSet();
        var total = guestByNode.Values.Sum();
        var local = guestByNode.Where(kv => placed.Contains(kv.Key)).Sum(kv => kv.Value);
        return new NumaMeasurement(layout, guest, guestByNode, processByNode, total, local, total == 0 ? 0 : (double)local / total);
    }

    private static SortedDictionary<int, long> Sum(IEnumerable<NumaMapping> mappings)
    {
        var sums = new SortedDictionary<int, long>();
        foreach (var mapping in mappings)
        {
            foreach (var (node, bytes) in mapping.BytesByNode)
            {
                sums[node] = sums.GetValueOrDefault(node) + bytes;
            }
        }

        return sums;
    }
}
