using System.Globalization;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Cli.Standalone;

/// <summary>One --reserve-hugepages SIZE:COUNT: at least COUNT free pages of SIZE on every host NUMA node. Pure.</summary>
public sealed record HugepageRequest(PageSize PageSize, long Pages)
{
    public const string Option = "--reserve-hugepages";

    /// <summary>Parses "2Mi:64" or "1Gi:2"; bad input names the option, the text and the allowed values.</summary>
    public static HugepageRequest Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            throw new BadInputException($"{Option} \"{text}\": expected SIZE:COUNT, e.g. 2Mi:64; SIZE is one of {string.Join(", ", PageSize.AllowedNames)}");
        }

        var size = text[..colon];
        if (!PageSize.TryParseHuge(size, out var pageSize))
        {
            throw new BadInputException($"{Option} \"{text}\": page size \"{size}\" is not supported; allowed values: {string.Join(", ", PageSize.AllowedNames)}");
        }

        var count = text[(colon + 1)..];
        if (!long.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var pages) || pages < 1 || pages > 10_000_000)
        {
            throw new BadInputException($"{Option} \"{text}\": page count \"{count}\" must be a whole number from 1 to 10000000");
        }

        return new HugepageRequest(pageSize, pages);
    }

    /// <summary>Several requests for the same size keep the largest count.</summary>
    public static IReadOnlyList<HugepageRequest> Merge(IEnumerable<HugepageRequest> requests) =>
        [.. requests.GroupBy(r => r.PageSize).Select(g => new HugepageRequest(g.Key, g.Max(r => r.Pages))).OrderBy(r => r.PageSize.Bytes)];

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{PageSize}:{Pages}");
}
