using System.Text.RegularExpressions;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Packaging.Tests;

/// <summary>
/// The agent's host paths as docs/install.md lists them (the table between the agent-host-paths markers):
/// each row's first cell holds the path in backticks, the second whether it is read-only.
/// </summary>
public static partial class DocumentedHostPaths
{
    public const string BeginMarker = "<!-- agent-host-paths:begin -->";
    public const string EndMarker = "<!-- agent-host-paths:end -->";

    public static string InstallDoc => RepoPaths.Combine("docs", "install.md");

    /// <summary>Path → read-only, for the default values.</summary>
    public static IReadOnlyDictionary<string, bool> Read()
    {
        var text = File.ReadAllText(InstallDoc);
        var begin = text.IndexOf(BeginMarker, StringComparison.Ordinal);
        var end = text.IndexOf(EndMarker, StringComparison.Ordinal);
        if (begin < 0 || end < begin)
        {
            throw new InvalidOperationException($"{InstallDoc}: the host path table must sit between {BeginMarker} and {EndMarker}");
        }

        var paths = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var line in text[begin..end].Split('\n'))
        {
            var match = Row().Match(line);
            if (match.Success)
            {
                paths.Add(match.Groups["path"].Value, match.Groups["access"].Value.Contains("read-only", StringComparison.Ordinal));
            }
        }

        return paths;
    }

    [GeneratedRegex(@"^\|\s*`(?<path>/[^`]*)`\s*\|(?<access>[^|]*)\|")]
    private static partial Regex Row();
}
