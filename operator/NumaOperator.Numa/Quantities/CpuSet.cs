using System.Collections;
using System.Globalization;
using System.Text;

namespace NumaOperator.Numa.Quantities;

/// <summary>
/// A set of small non-negative integers written in the Linux cpuset list syntax ("0-3,8,10-11"),
/// as used by sysfs cpulist files, numactl and <c>spec.numa.nodes</c>. Immutable; members sorted.
/// </summary>
public sealed class CpuSet : IEquatable<CpuSet>, IReadOnlyCollection<int>
{
    /// <summary>Highest member accepted; guards against "0-4000000000" allocating the machine away.</summary>
    public const int MaxMember = 65535;

    private readonly int[] _members;

    public static CpuSet Empty { get; } = new([]);

    private CpuSet(int[] sortedDistinct) => _members = sortedDistinct;

    public static CpuSet Of(IEnumerable<int> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        var arr = members.Distinct().Order().ToArray();
        if (arr.Length > 0 && (arr[0] < 0 || arr[^1] > MaxMember))
        {
            throw new ArgumentOutOfRangeException(nameof(members), $"cpuset members must be between 0 and {MaxMember}");
        }

        return arr.Length == 0 ? Empty : new CpuSet(arr);
    }

    public static CpuSet Of(params int[] members) => Of((IEnumerable<int>)members);

    public int Count => _members.Length;

    public bool IsEmpty => _members.Length == 0;

    public bool Contains(int member) => Array.BinarySearch(_members, member) >= 0;

    public int this[int index] => _members[index];

    public CpuSet Union(CpuSet other) => Of(_members.Concat(other._members));

    public CpuSet Except(CpuSet other) => Of(_members.Where(m => !other.Contains(m)));

    public CpuSet Intersect(CpuSet other) => Of(_members.Where(other.Contains));

    public bool Overlaps(CpuSet other) => _members.Any(other.Contains);

    public bool IsSubsetOf(CpuSet other) => _members.All(other.Contains);

    /// <summary>Parses cpuset list syntax. Empty or whitespace-only text is the empty set (sysfs writes "\n" for a CPU-less node).</summary>
    /// <exception cref="FormatException">The text is not cpuset syntax; the message says what was expected.</exception>
    public static CpuSet Parse(string text)
    {
        if (!TryParse(text, out var set, out var error))
        {
            throw new FormatException(error);
        }

        return set;
    }

    public static bool TryParse(string? text, out CpuSet set, out string error)
    {
        set = Empty;
        error = string.Empty;
        if (text is null)
        {
            error = "expected a cpuset list such as \"0-3,8\", got nothing";
            return false;
        }

        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            return true;
        }

        var members = new List<int>();
        foreach (var rawPart in trimmed.Split(','))
        {
            var part = rawPart.Trim();
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0)
            {
                if (!TryMember(part, out var single))
                {
                    error = $"\"{text}\" is not a cpuset list: \"{part}\" is not a number from 0 to {MaxMember} (expected e.g. \"0-3,8\")";
                    return false;
                }

                members.Add(single);
                continue;
            }

            if (!TryMember(part[..dash], out var lo) || !TryMember(part[(dash + 1)..], out var hi))
            {
                error = $"\"{text}\" is not a cpuset list: \"{part}\" is not a range of numbers from 0 to {MaxMember} (expected e.g. \"0-3,8\")";
                return false;
            }

            if (hi < lo)
            {
                error = $"\"{text}\" is not a cpuset list: range \"{part}\" ends before it starts";
                return false;
            }

            for (var i = lo; i <= hi; i++)
            {
                members.Add(i);
            }
        }

        set = Of(members);
        return true;
    }

    private static bool TryMember(string s, out int value)
    {
        value = 0;
        s = s.Trim();
        if (s.Length == 0 || s.Length > 6 || !s.All(char.IsAsciiDigit))
        {
            return false;
        }

        value = int.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture);
        return value <= MaxMember;
    }

    /// <summary>Canonical cpuset text: ranges of three or more collapse ("0-3,8,10-11"), empty set is "".</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        var i = 0;
        while (i < _members.Length)
        {
            var j = i;
            while (j + 1 < _members.Length && _members[j + 1] == _members[j] + 1)
            {
                j++;
            }

            if (sb.Length > 0)
            {
                sb.Append(',');
            }

            sb.Append(_members[i].ToString(CultureInfo.InvariantCulture));
            if (j > i)
            {
                sb.Append('-').Append(_members[j].ToString(CultureInfo.InvariantCulture));
            }

            i = j + 1;
        }

        return sb.ToString();
    }

    public bool Equals(CpuSet? other) => other is not null && _members.AsSpan().SequenceEqual(other._members);

    public override bool Equals(object? obj) => Equals(obj as CpuSet);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var m in _members)
        {
            h.Add(m);
        }

        return h.ToHashCode();
    }

    public IEnumerator<int> GetEnumerator() => ((IEnumerable<int>)_members).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
