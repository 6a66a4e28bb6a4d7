using NumaOperator.Agent;

namespace NumaOperator.Cli.Standalone;

/// <summary>Duration flags of `standalone`, range-checked, written as on kubectl's command line: "90s", "5m", "1h", "1m30s". Pure.</summary>
public static class DurationOption
{
    /// <summary>The duration <paramref name="text"/> (<see cref="DurationText"/>'s grammar) if within [min, max]; else bad input naming the option.</summary>
    public static TimeSpan Parse(string option, string text, TimeSpan min, TimeSpan max)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!DurationText.TryParseSum(text, out var total) || total < min || total > max)
        {
            throw Bad(option, text, min, max);
        }

        return total;
    }

    public static string Format(TimeSpan t) =>
        t.TotalSeconds < 1 ? $"{t.TotalMilliseconds:0}ms"
        : t.TotalMinutes < 1 ? $"{t.TotalSeconds:0}s"
        : t.TotalHours < 1 ? (t.Seconds == 0 ? $"{(int)t.TotalMinutes}m" : $"{(int)t.TotalMinutes}m{t.Seconds}s")
        : $"{(int)t.TotalHours}h{(t.Minutes > 0 ? $"{t.Minutes}m" : string.Empty)}";

    private static BadInputException Bad(string option, string text, TimeSpan min, TimeSpan max) =>
        new($"{option} \"{text}\": expected a duration like 30s, 5m, 1h or 1m30s, from {Format(min)} to {Format(max)}");
}
