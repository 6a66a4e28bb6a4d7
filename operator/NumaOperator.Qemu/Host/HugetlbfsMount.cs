using System.Globalization;

namespace NumaOperator.Qemu.Host;

/// <summary>One mounted hugetlbfs and the page size its files are backed with.</summary>
public sealed record HugetlbfsMount(string MountPoint, long PageBytes);

/// <summary>
/// Finds hugetlbfs mounts in /proc/mounts text. Pure: the caller reads the file, and confirms each candidate with
/// <see cref="HugetlbfsMounts.IsHugetlbfs"/> (a path inside a chroot or another mount namespace may name something else).
/// </summary>
public static class HugetlbfsMounts
{
    public static IReadOnlyList<HugetlbfsMount> Parse(string procMounts, long defaultPageBytes)
    {
        ArgumentNullException.ThrowIfNull(procMounts);
        var mounts = new List<HugetlbfsMount>();
        foreach (var line in procMounts.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            if (fields.Length < 4 || fields[2] != "hugetlbfs")
            {
                continue;
            }

            var pageBytes = defaultPageBytes;
            foreach (var option in fields[3].Split(','))
            {
                if (option.StartsWith("pagesize=", StringComparison.Ordinal) && TryParseSize(option["pagesize=".Length..], out var bytes))
                {
                    pageBytes = bytes;
                }
            }

            mounts.Add(new HugetlbfsMount(Unescape(fields[1]), pageBytes));
        }

        return mounts;
    }

    /// <summary>The first mount serving <paramref name="pageBytes"/>, or null.</summary>
    public static HugetlbfsMount? ForPageSize(IEnumerable<HugetlbfsMount> mounts, long pageBytes) =>
        mounts.FirstOrDefault(m => m.PageBytes == pageBytes);

    /// <summary>True when <paramref name="path"/> really is on hugetlbfs (statfs magic), not a plain directory of the same name.</summary>
    public static bool IsHugetlbfs(string path)
    {
        try
        {
            return LibC.FileSystemType(path) == LibC.HugetlbfsMagic;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Reads this host's mounts and keeps those statfs confirms.</summary>
    public static IReadOnlyList<HugetlbfsMount> Discover(string procMountsPath = "/proc/mounts", string meminfoPath = "/proc/meminfo")
    {
        var mounts = Parse(File.ReadAllText(procMountsPath), DefaultHugepageBytes(meminfoPath));
        return mounts.Where(m => IsHugetlbfs(m.MountPoint)).ToArray();
    }

    private static long DefaultHugepageBytes(string meminfoPath)
    {
        if (File.Exists(meminfoPath))
        {
            foreach (var line in File.ReadLines(meminfoPath))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 2 && parts[0] == "Hugepagesize:" && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kb))
                {
                    return kb * 1024;
                }
            }
        }

        return 2L << 20;
    }

    /// <summary>"2M", "1024M", "1G", "64K" as the kernel prints hugetlbfs pagesize=.</summary>
    private static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        if (text.Length < 2)
        {
            return false;
        }

        var shift = char.ToUpperInvariant(text[^1]) switch
        {
            'K' => 10,
            'M' => 20,
            'G' => 30,
            _ => -1,
        };
        if (shift < 0 || !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        bytes = number << shift;
        return true;
    }

    /// <summary>/proc/mounts writes space, tab, newline and backslash as \040, \011, \012, \134.</summary>
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var text = new System.Text.StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                text.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                text.Append(field[i]);
            }
        }

        return text.ToString();
    }

    private static bool IsOctal(string s, int at) =>
        at + 3 <= s.Length && s[at] is >= '0' and <= '7' && s[at + 1] is >= '0' and <= '7' && s[at + 2] is >= '0' and <= '7';
}
