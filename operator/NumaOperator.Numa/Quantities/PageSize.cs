namespace NumaOperator.Numa.Quantities;

/// <summary>
/// The page size that backs guest RAM: ordinary base pages (no hugepages requested) or a hugepage size.
/// Value type so it can key ledgers; <see cref="Bytes"/> is 4096 for ordinary pages.
/// </summary>
public readonly record struct PageSize(long Bytes, bool IsHuge)
{
    public static PageSize Normal { get; } = new(4096, false);

    public static PageSize Huge2Mi { get; } = new(2L << 20, true);

    public static PageSize Huge1Gi { get; } = new(1L << 30, true);

    /// <summary>The hugepage sizes a VM may ask for, as written in <c>spec.memory.hugepages.pageSize</c>.</summary>
    public static IReadOnlyList<string> AllowedNames { get; } = ["2Mi", "1Gi"];

    public static bool TryParseHuge(string? text, out PageSize pageSize)
    {
        switch (text)
        {
            case "2Mi":
                pageSize = Huge2Mi;
                return true;
            case "1Gi":
                pageSize = Huge1Gi;
                return true;
            default:
                pageSize = default;
                return false;
        }
    }

    /// <summary>A hugepage pool of arbitrary size as read from sysfs (hugepages-2048kB).</summary>
    public static PageSize HugeOfBytes(long bytes) => new(bytes, true);

    /// <summary>"2Mi", "1Gi", or "4Ki" for ordinary pages (what status.placement.pageSize shows).</summary>
    public override string ToString() => ByteQuantity.Format(Bytes);
}
