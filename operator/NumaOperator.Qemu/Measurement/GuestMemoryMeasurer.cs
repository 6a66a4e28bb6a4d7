using System.Text.RegularExpressions;

namespace NumaOperator.Qemu.Measurement;

/// <summary>
/// Finds each guest node's RAM in a QEMU process's numa_maps and sums it per host node. Pure: the caller reads the
/// files (and asks QEMU for its backends' addresses). A mapping belongs to a backend when
/// - it is a file under the hugetlbfs mount named by QEMU after the backend ("qemu_back_mem.mem1.XXXXXX"), or
/// - it lies inside the backend's range at the address QEMU reported (<see cref="GuestRamAddresses"/>), or
/// - without addresses, it is an anonymous read-write mapping exactly the size of one backend and of no other.
/// </summary>
public static partial class GuestMemoryMeasurer
{
    public static NumaMeasurement Measure(string numaMaps, string maps, GuestRamLayout layout, GuestRamAddresses? addresses = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var all = NumaMapsParser.Parse(numaMaps);
        var ranges = ProcMapsParser.Parse(maps).ToDictionary(m => m.Start);
        var found = layout.Backends.ToDictionary(b => b.Id, _ => new List<(NumaMapping Mapping, long Length)>(), StringComparer.Ordinal);
        foreach (var mapping in all)
        {
            var range = ranges.GetValueOrDefault(mapping.Address);
            if (BackendOf(mapping, range, layout, addresses ?? GuestRamAddresses.None) is { } id)
            {
                found[id].Add((mapping, range?.Length ?? mapping.Bytes));
            }
        }

        var guestNodes = layout.Backends
            .Select(b => new GuestNodeMeasurement(b, [.. found[b.Id].Select(f => f.Mapping)], found[b.Id].Sum(f => f.Length), Sum(found[b.Id].Select(f => f.Mapping))))
            .ToArray();
        var guest = guestNodes.SelectMany(g => g.Mappings).ToArray();
        var guestByNode = Sum(guest);
        var total = guestByNode.Values.Sum();
        var local = guestNodes.Sum(g => g.LocalBytes);
        return new NumaMeasurement(layout, guestNodes, guest, guestByNode, Sum(all), total, local, total == 0 ? 0 : (double)local / total);
    }

    private static string? BackendOf(NumaMapping mapping, ProcMapping? range, GuestRamLayout layout, GuestRamAddresses addresses)
    {
        if (layout.IsHuge && mapping.File is { } file
            && file.StartsWith(layout.HugetlbfsMountPoint!.TrimEnd('/') + "/", StringComparison.Ordinal)
            && HugetlbfsFileName().Match(Path.GetFileName(file)) is { Success: true } named
            && layout.Backends.Any(b => b.Id == named.Groups["id"].Value))
        {
            return named.Groups["id"].Value;
        }

        var end = mapping.Address + (ulong)(range?.Length ?? 0);
        foreach (var backend in layout.Backends)
        {
            if (addresses.StartByBackend.TryGetValue(backend.Id, out var start)
                && mapping.Address >= start && end <= start + (ulong)backend.Bytes)
            {
                return backend.Id;
            }
        }

        if (!layout.IsHuge && addresses.StartByBackend.Count == 0 && mapping.File is null && range is { Path: null } anonymous
            && anonymous.Permissions.StartsWith("rw", StringComparison.Ordinal))
        {
            var sameSize = layout.Backends.Where(b => b.Bytes == anonymous.Length).ToArray();
            return sameSize.Length == 1 ? sameSize[0].Id : null;
        }

        return null;
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

    /// <summary>QEMU names a hugetlbfs backend file "qemu_back_mem.&lt;region&gt;.XXXXXX" (mkstemp), then unlinks it.</summary>
    [GeneratedRegex(@"^qemu_back_mem\.(?<id>[^.]+)\.[^. ]+( \(deleted\))?$", RegexOptions.CultureInvariant)]
    private static partial Regex HugetlbfsFileName();
}
