using System.Globalization;
using System.Text.RegularExpressions;

namespace NumaOperator.Agent;

/// <summary>Durations as flags take them, Go style: "15s", "500ms", "2m", "1h", "1m30s". Pure.</summary>
public static partial class DurationText
{
    public const string Allowed = "a positive duration such as 500ms, 15s, 2m, 1h or 1m30s";

    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var matches = Part().Matches(text.Trim());
        if (matches.Sum(m => m.Length) != text.Trim().Length || matches.Count == 0)
        {
            return false;
        }

        foreach (Match m in matches)
        {
            if (!double.TryParse(m.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }

            duration += m.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(value),
                "s" => TimeSpan.FromSeconds(value),
                "m" => TimeSpan.FromMinutes(value),
                _ => TimeSpan.FromHours(value),
            };
        }

        return duration > TimeSpan.Zero;
    }

    [GeneratedRegex(@"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)", RegexOptions.CultureInvariant)]
    private static partial Regex Part();
}
