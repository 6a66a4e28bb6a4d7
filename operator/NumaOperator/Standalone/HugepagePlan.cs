namespace NumaOperator.Cli.Standalone;

/// <summary>Raise one pool from <paramref name="From"/> to <paramref name="To"/> pages.</summary>
public sealed record PoolRaise(int? Node, long PageBytes, long From, long To)
{
    public long Pages => To - From;
}

/// <summary>
/// What --reserve-hugepages must change. Pure. A pool needs raising when its free pages plus the pages this data dir's
/// own running VMs already hold there fall short of the request: our adopted VMs count as reserved, other programs'
/// pages do not (they may be in use by someone else's VM or test).
/// </summary>
public static class HugepagePlan
{
    public static IReadOnlyList<PoolRaise> Raises(IEnumerable<HugepagePoolReading> pools, HugepageRequest request, IReadOnlyDictionary<int, long> ownPagesInUse)
    {
        ArgumentNullException.ThrowIfNull(pools);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(ownPagesInUse);
        var raises = new List<PoolRaise>();
        foreach (var pool in pools)
        {
            var ours = pool.Node is { } n ? ownPagesInUse.GetValueOrDefault(n) : ownPagesInUse.Values.Sum();
            var missing = request.Pages - pool.Free - ours;
            if (missing > 0)
            {
                raises.Add(new PoolRaise(pool.Node, pool.PageBytes, pool.Total, pool.Total + missing));
            }
        }

        return raises;
    }
}
