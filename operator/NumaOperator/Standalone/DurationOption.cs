using System.Globalization;

namespace NumaOperator.Cli.Standalone;

/// <summary>Durations written as on kubectl's command line: "90s", "5m", "1h", "1m30s". Pure.</summary>
public static class DurationOption
{
    public static TimeSpan Parse(string option, string text, TimeSpan min, TimeSpan max)
    {
        ArgumentNullException.ThrowIfNull(text);
        var total = TimeSpan.Zero;
        var i = 0;
        var any = false;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == start || i == text.Length || i - start > 9)
            {
                throw Bad(option, text, min, max);
            }

            var number = int.Parse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture);
            total += text[i++] switch
            {
                'h' => TimeSpan.FromHours(number),
                'm' when i < text.Length && text[i] == 's' => TimeSpan.FromMilliseconds(number),
                'm' => TimeSpan.FromMinutes(number),
                's' => TimeSpan.FromSeconds(number),
                _ => throw Bad(option, text, min, max),
            };
            if (text[i - 1] == 'm' && i < text.Length && text[i] == 's')
            {
                i++;
            }

            any = true;
        }

        if (!any || total < min || total > max)
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
