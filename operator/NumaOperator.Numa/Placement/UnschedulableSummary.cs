using System.Globalization;
using System.Text;

namespace NumaOperator.Numa.Placement;

/// <summary>
/// Summarises per-node rejections the way kube-scheduler does: "0/5 nodes fit: 3 no NUMA node with 15360 free 2Mi
/// pages, 2 did not match nodeSelector". Groups by reason; the most frequent first, ties in ordinal reason order.
/// </summary>
public static class UnschedulableSummary
{
    public const string NoNodes = "no node has published a NumaNodeTopology";

    public static string Format(int nodeCount, IEnumerable<NodeRejection> rejections)
    {
        ArgumentNullException.ThrowIfNull(rejections);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var rejection in rejections)
        {
            counts[rejection.Reason] = counts.GetValueOrDefault(rejection.Reason) + 1;
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"0/{nodeCount} nodes fit: ");
        if (nodeCount == 0)
        {
            return text.Append(NoNodes).ToString();
        }

        var first = true;
        foreach (var (reason, count) in counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!first)
            {
                text.Append(", ");
            }

            text.Append(CultureInfo.InvariantCulture, $"{count} {reason}");
            first = false;
        }

        return text.ToString();
    }
}
