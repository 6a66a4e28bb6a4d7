using NumaOperator.Agent;
using NumaOperator.Numa.Quantities;

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

    private static BadInputException Bad(string option, string text, TimeSpan min, TimeSpan max) =>
        new($"{option} \"{text}\": expected a duration like 30s, 5m, 1h or 1m30s, from {HumanDuration.Exact(min)} to {HumanDuration.Exact(max)}");
}
