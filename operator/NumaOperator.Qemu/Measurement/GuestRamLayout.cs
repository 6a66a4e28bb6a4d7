using NumaOperator.Numa.Placement;
using NumaOperator.Qemu.CommandLine;

namespace NumaOperator.Qemu.Measurement;

/// <summary>What guest RAM should look like in the QEMU process: one backend per guest node, on its placed host node.</summary>
/// <param name="HugetlbfsMountPoint">Where hugepage backends' files live (null for ordinary pages).</param>
/// <param name="Policy">How each backend must be bound: Strict is numa_maps' "bind:N", Preferred "prefer:N".</param>
public sealed record GuestRamLayout(long PageBytes, bool IsHuge, string? HugetlbfsMountPoint, IReadOnlyList<GuestRamBackend> Backends, NumaPolicy Policy = NumaPolicy.Strict)
{
    public long ExpectedBytes => Backends.Sum(b => b.Bytes);

    public IReadOnlyList<int> PlacedHostNodes => [.. Backends.Select(b => b.HostNode).Distinct().Order()];

    /// <summary>The policy mode numa_maps prints for a backend bound as placed.</summary>
    public string ExpectedPolicyMode => Policy == NumaPolicy.Strict ? "bind" : "prefer";

    public static GuestRamLayout Of(VmPlacement placement, string? hugetlbfsMountPoint)
    {
        ArgumentNullException.ThrowIfNull(placement);
        return new GuestRamLayout(
            placement.PageSize.Bytes,
            placement.PageSize.IsHuge,
            placement.PageSize.IsHuge ? hugetlbfsMountPoint : null,
            [.. placement.GuestNodes.Select(g => new GuestRamBackend(g.GuestNode, g.HostNode, g.MemoryBytes))],
            placement.Policy);
    }
}

/// <summary>One memory backend: QEMU object <see cref="Id"/> holding guest node <paramref name="GuestNode"/>'s RAM, placed on <paramref name="HostNode"/>.</summary>
public sealed record GuestRamBackend(int GuestNode, int HostNode, long Bytes)
{
    public string Id => MemoryBackendIds.Of(GuestNode);
}
