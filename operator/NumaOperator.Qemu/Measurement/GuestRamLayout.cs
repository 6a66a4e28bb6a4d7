using NumaOperator.Numa.Placement;

namespace NumaOperator.Qemu.Measurement;

/// <summary>What guest RAM should look like in the QEMU process: one backend per guest node, on its placed host node.</summary>
/// <param name="HugetlbfsMountPoint">Where hugepage backends' files live (null for ordinary pages).</param>
public sealed record GuestRamLayout(long PageBytes, bool IsHuge, string? HugetlbfsMountPoint, IReadOnlyList<GuestRamBackend> Backends)
{
    public long ExpectedBytes => Backends.Sum(b => b.Bytes);

    public IReadOnlyList<int> PlacedHostNodes => [.. Backends.Select(b => b.HostNode).Distinct().Order()];

    public static GuestRamLayout Of(VmPlacement placement, string? hugetlbfsMountPoint)
    {
        ArgumentNullException.ThrowIfNull(placement);
        return new GuestRamLayout(
            placement.PageSize.Bytes,
            placement.PageSize.IsHuge,
            placement.PageSize.IsHuge ? hugetlbfsMountPoint : null,
            [.. placement.GuestNodes.Select(g => new GuestRamBackend(g.GuestNode, g.HostNode, g.MemoryBytes))]);
    }
}

/// <summary>One memory backend (QEMU id mem&lt;GuestNode&gt;).</summary>
public sealed record GuestRamBackend(int GuestNode, int HostNode, long Bytes);
