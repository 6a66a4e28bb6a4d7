using System.Globalization;

namespace NumaOperator.Qemu.CommandLine;

/// <summary>
/// The QEMU object id of a guest node's memory backend ("mem0"): the argv builder names the backends with it, and the
/// measurement finds them by it (hugetlbfs file names, QEMU's memory map), so the two can never disagree.
/// </summary>
public static class MemoryBackendIds
{
    public static string Of(int guestNode) => "mem" + guestNode.ToString(CultureInfo.InvariantCulture);
}
