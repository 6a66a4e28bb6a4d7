using System.Globalization;
using System.Text.RegularExpressions;

namespace NumaOperator.Agent;

/// <summary>
/// Durations as flags take them, Go style: "15s", "500ms", "2m", "1h", "1m30s", "0.5s". The one grammar of every
/// duration flag (`agent` here, `standalone` through its range-checking wrapper). Pure.
/// </summary>
public static partial class DurationText
{
    public const string Allowed = "a positive duration such as 500ms, 15s, 2m, 1h or 1m30s";

    /// <summary>A positive duration.</summary>
    public static bool TryParse(string? text, out TimeSpan duration) =>
        TryParseSum(text, out duration) && duration > TimeSpan.Zero;

    /// <summary>The sum of the parts, zero allowed ("0s"); false for anything else, including sums beyond TimeSpan.</summary>
    public static bool TryParseSum(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        var matches = Part().Matches(trimmed);
        if (matches.Count == 0 || matches.Sum(m => m.Length) != trimmed.Length)
        {
            return false;
        }

        var milliseconds = 0.0;
        foreach (Match m in matches)
        {
            if (!double.TryParse(m.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }

            milliseconds += value * m.Groups[2].Value switch
            {
                "ms" => 1,
                "s" => 1_000,
                "m" => 60_000,
                _ => 3_600_000,
            };
        }

        // "99999999999999h" must be bad input, not an OverflowException from TimeSpan.
        if (milliseconds >= TimeSpan.MaxValue.TotalMilliseconds)
        {
            return false;
        }

        duration = TimeSpan.FromMilliseconds(milliseconds);
        return true;
    }

    [GeneratedRegex(@"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)", RegexOptions.CultureInvariant)]
    private static partial Regex Part();
}
