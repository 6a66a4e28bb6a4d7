namespace NumaOperator.Numa.Placement;

/// <summary>
/// Chooses the host CPUs for a dedicated guest node on one host NUMA node: whole free cores (every SMT sibling
/// free) first, lowest CPU first, while at least a core's worth is still needed; the remainder comes from cores
/// another VM already broke, then from the next whole core. Never a reserved or pinned CPU.
/// </summary>
internal static class DedicatedCpuPicker
{
    /// <returns>Local CPU indexes (see <see cref="SnapshotNumaNode.Cpus"/>), or null when fewer than <paramref name="count"/> are free.</returns>
    public static int[]? Pick(SnapshotNumaNode numa, PlacementLedger ledger, int count)
    {
        var picked = new int[count];
        var n = 0;
        var cores = numa.Cores;
        Span<bool> whole = cores.Length <= 256 ? stackalloc bool[cores.Length] : new bool[cores.Length];
        for (var i = 0; i < cores.Length; i++)
        {
            whole[i] = true;
            foreach (var c in cores[i])
            {
                if (!IsFree(numa, ledger, c))
                {
                    whole[i] = false;
                    break;
                }
            }
        }

        // 1. Whole cores while a whole core is still needed.
        for (var i = 0; i < cores.Length && n < count; i++)
        {
            if (whole[i] && count - n >= cores[i].Length)
            {
                foreach (var c in cores[i])
                {
                    picked[n++] = c;
                }

                whole[i] = false; // taken: no longer a free whole core
            }
        }

        // 2. The remainder: free CPUs of broken cores first, so whole cores stay whole for other VMs.
        for (var pass = 0; pass < 2 && n < count; pass++)
        {
            for (var i = 0; i < cores.Length && n < count; i++)
            {
                var isWholeFree = whole[i];
                if ((pass == 0 && isWholeFree) || (pass == 1 && !isWholeFree))
                {
                    continue;
                }

                foreach (var c in cores[i])
                {
                    if (n < count && IsFree(numa, ledger, c) && Array.IndexOf(picked, c, 0, n) < 0)
                    {
                        picked[n++] = c;
                    }
                }
            }
        }

        return n == count ? picked : null;
    }

    private static bool IsFree(SnapshotNumaNode numa, PlacementLedger ledger, int localCpu) =>
        !numa.Reserved[localCpu] && !ledger.IsPinnedAt(numa.Rank, localCpu);
}
