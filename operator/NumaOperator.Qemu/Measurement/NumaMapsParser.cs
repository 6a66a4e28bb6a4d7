using System.Globalization;

namespace NumaOperator.Qemu.Measurement;

/// <summary>
/// Parses /proc/PID/numa_maps. Pure. Each line: address, policy, then space-separated tokens (file=, huge, anon=,
/// dirty=, N&lt;node&gt;=&lt;pages&gt;, kernelpagesize_kB=). On huge mappings the N counts are huge pages, elsewhere base pages;
/// <see cref="NumaMapping.KernelPageBytes"/> converts both. Unknown tokens are ignored (the kernel adds some over time).
/// </summary>
public static class NumaMapsParser
{
    public static IReadOnlyList<NumaMapping> Parse(string numaMaps)
    {
        ArgumentNullException.ThrowIfNull(numaMaps);
        var mappings = new List<NumaMapping>();
        var lineNumber = 0;
        foreach (var line in numaMaps.Split('\n'))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            mappings.Add(ParseLine(line, lineNumber));
        }

        return mappings;
    }

    public static NumaMapping ParseLine(string line, int lineNumber = 1)
    {
        ArgumentNullException.ThrowIfNull(line);
        var tokens = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length < 2 || !ulong.TryParse(tokens[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var address))
        {
            throw new FormatException($"numa_maps line {lineNumber}: expected \"<hex address> <policy> ...\", got \"{line}\"");
        }

        string? file = null;
        var huge = false;
        long pageKb = 4;
        var pages = new Dictionary<int, long>();
        for (var i = 2; i < tokens.Length; i++)
        {
            var token = tokens[i];
            if (token.StartsWith("file=", StringComparison.Ordinal))
            {
                // A file name with spaces is written with \040; a literal space never splits it.
                file = Unescape(token["file=".Length..]);
            }
            else if (token == "huge")
            {
                huge = true;
            }
            else if (token.StartsWith("kernelpagesize_kB=", StringComparison.Ordinal))
            {
                pageKb = ParseCount(token["kernelpagesize_kB=".Length..], line, lineNumber);
            }
            else if (token.Length > 1 && token[0] == 'N' && char.IsAsciiDigit(token[1]))
            {
                var eq = token.IndexOf('=', StringComparison.Ordinal);
                if (eq < 0 || !int.TryParse(token.AsSpan(1, eq - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var node))
                {
                    throw new FormatException($"numa_maps line {lineNumber}: expected N<node>=<pages>, got \"{token}\"");
                }

                pages[node] = pages.GetValueOrDefault(node) + ParseCount(token[(eq + 1)..], line, lineNumber);
            }
        }

        return new NumaMapping(address, tokens[1], file, huge, pages, pageKb * 1024);
    }

    private static long ParseCount(string text, string line, int lineNumber) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"numa_maps line {lineNumber}: \"{text}\" is not a count in \"{line}\"");

    private static string Unescape(string text) =>
        text.Replace("\\040", " ", StringComparison.Ordinal).Replace("\\011", "\t", StringComparison.Ordinal).Replace("\\012", "\n", StringComparison.Ordinal).Replace("\\134", "\\", StringComparison.Ordinal);
}
