namespace NumaOperator.Numa.Placement;

/// <summary>
/// A sorted array of distinct 64-bit keys with binary-search lookups. The ledger keeps one per page size,
/// keyed (free pages, NUMA rank), so the engine finds the tightest fitting host NUMA node by one lower-bound
/// search instead of scanning the cluster. Updates shift the array (a few thousand keys: a memmove is cheaper
/// than a balanced tree's allocations).
/// </summary>
internal sealed class SortedKeyIndex
{
    private long[] _keys = new long[16];

    public int Count { get; private set; }

    public long this[int position] => _keys[position];

    /// <summary>Position of the first key at or above <paramref name="key"/> (Count when none).</summary>
    public int LowerBound(long key)
    {
        int lo = 0, hi = Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_keys[mid] < key)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    public void Insert(long key)
    {
        var at = LowerBound(key);
        if (at < Count && _keys[at] == key)
        {
            throw new InvalidOperationException("key already indexed");
        }

        if (Count == _keys.Length)
        {
            Array.Resize(ref _keys, _keys.Length * 2);
        }

        Array.Copy(_keys, at, _keys, at + 1, Count - at);
        _keys[at] = key;
        Count++;
    }

    /// <summary>Replaces <paramref name="oldKey"/> by <paramref name="newKey"/>, shifting only the keys in between.</summary>
    public void Move(long oldKey, long newKey)
    {
        var from = LowerBound(oldKey);
        if (from >= Count || _keys[from] != oldKey)
        {
            throw new InvalidOperationException("key not indexed");
        }

        if (newKey < oldKey)
        {
            var to = LowerBound(newKey);
            Array.Copy(_keys, to, _keys, to + 1, from - to);
            _keys[to] = newKey;
        }
        else
        {
            var to = LowerBound(newKey) - 1; // last position whose key stays below newKey once oldKey is gone
            Array.Copy(_keys, from + 1, _keys, from, to - from);
            _keys[to] = newKey;
        }
    }

    /// <summary>Swaps <paramref name="current"/> for <paramref name="wanted"/>; -1 on either side means not indexed.</summary>
    public void Replace(long current, long wanted)
    {
        if (current == wanted)
        {
            return;
        }

        if (current >= 0 && wanted >= 0)
        {
            Move(current, wanted);
        }
        else if (current >= 0)
        {
            Remove(current);
        }
        else
        {
            Insert(wanted);
        }
    }

    public void Remove(long key)
    {
        var at = LowerBound(key);
        if (at >= Count || _keys[at] != key)
        {
            throw new InvalidOperationException("key not indexed");
        }

        Array.Copy(_keys, at + 1, _keys, at, Count - at - 1);
        Count--;
    }
}
