using System.Globalization;
using System.Text.RegularExpressions;

namespace NumaOperator.Tests.Shared;

/// <summary>
/// The test guest's counting process (`numaguest.count=1`, tests/guest/README.md): one NUMAGUEST-COUNT N line a second,
/// N held only in guest RAM. Pure parsing of serial-log text, plus reading a log's complete lines.
/// </summary>
public static partial class GuestCounter
{
    /// <summary>The cmdline option that starts the counter.</summary>
    public const string Option = "numaguest.count=1";

    /// <summary>
    /// The N of each NUMAGUEST-COUNT line, in order. The marker may follow the shell prompt on the same line
    /// ("numaguest# NUMAGUEST-COUNT 7"), so it is found anywhere in a line, but only as the line's end.
    /// </summary>
    public static IReadOnlyList<long> Counts(IEnumerable<string> lines) =>
        lines.Select(l => CountLine().Match(l)).Where(m => m.Success)
            .Select(m => long.Parse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture)).ToList();

    /// <summary>The counts in a serial log, its complete lines only (the last line may still be being written).</summary>
    public static IReadOnlyList<long> Counts(string serialLog) => Counts(CompleteLines(serialLog));

    /// <summary>
    /// Null when every count is above the one before (the counter never went back); else what went wrong, e.g.
    /// "count 1 after 57 (position 58 of 80)". Gaps are allowed: a line split by a migration's switch-over is lost.
    /// </summary>
    public static string? StepBack(IReadOnlyList<long> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        for (var i = 1; i < counts.Count; i++)
        {
            if (counts[i] <= counts[i - 1])
            {
                return $"count {counts[i]} after {counts[i - 1]} (position {i + 1} of {counts.Count})";
            }
        }

        return null;
    }

    /// <summary>The log's lines that end in a newline, without the serial line's carriage returns; empty while the file does not exist.</summary>
    public static IReadOnlyList<string> CompleteLines(string serialLog)
    {
        if (!File.Exists(serialLog))
        {
            return [];
        }

        string text;
        try
        {
            using var stream = new FileStream(serialLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            text = reader.ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return []; // removed meanwhile (a migrated VM's old state dir)
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }

        var end = text.LastIndexOf('\n');
        return end < 0 ? [] : text[..end].Split('\n').Select(l => l.TrimEnd('\r')).ToList();
    }

    [GeneratedRegex(@"NUMAGUEST-COUNT (\d+)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex CountLine();
}
