using System.Globalization;

namespace NumaOperator.Qemu.Measurement;

/// <summary>One /proc/PID/maps line's range and path: numa_maps has no sizes, maps does.</summary>
public sealed record ProcMapping(ulong Start, ulong End, string Permissions, string? Path)
{
    public long Length => (long)(End - Start);
}

/// <summary>Parses /proc/PID/maps. Pure.</summary>
public static class ProcMapsParser
{
    public static IReadOnlyList<ProcMapping> Parse(string maps)
    {
        ArgumentNullException.ThrowIfNull(maps);
        var result = new List<ProcMapping>();
        foreach (var line in maps.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // start-end perms offset dev inode [path]; the path may contain spaces.
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            var dash = fields[0].IndexOf('-', StringComparison.Ordinal);
            if (fields.Length < 5 || dash < 0
                || !ulong.TryParse(fields[0].AsSpan(0, dash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var start)
                || !ulong.TryParse(fields[0].AsSpan(dash + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var end))
            {
                throw new FormatException($"maps: expected \"start-end perms offset dev inode [path]\", got \"{line}\"");
            }

            var path = fields.Length == 6 ? fields[5].Trim() : null;
            result.Add(new ProcMapping(start, end, fields[1], string.IsNullOrEmpty(path) ? null : path));
        }

        return result;
    }
}
