using System.Globalization;

namespace NumaOperator.Numa.Quantities;

/// <summary>
/// The one place durations become text. Pure. Two forms: an age as kubectl's AGE column prints it (Kubernetes'
/// duration.HumanDuration: "5s", "119s", "3m10s", "4h2m", "30h", "3d2h", "100d", "3y10d"), used wherever a
/// time since something is shown; and a configured duration in the grammar the duration flags accept ("500ms", "90s"
/// is "1m30s", "1h", "1h5m"), so an error or caption quotes a value the user could type back.
/// </summary>
public static class HumanDuration
{
    /// <summary>How long ago <paramref name="then"/> was, as an age; "unknown" without a time, never negative (clock skew).</summary>
    public static string Age(DateTime? then, DateTime now)
    {
        if (then is not { } at)
        {
            return "unknown";
        }

        var span = now - at.ToUniversalTime();
        return Format(span < TimeSpan.Zero ? TimeSpan.Zero : span);
    }

    /// <summary>An age: Kubernetes' duration.HumanDuration, exact at first and coarser as it grows.</summary>
    public static string Format(TimeSpan d)
    {
        var seconds = (long)d.TotalSeconds;
        if (seconds < -1)
        {
            return "<invalid>";
        }

        if (seconds < 0)
        {
            return "0s";
        }

        if (seconds < 120)
        {
            return I($"{seconds}s");
        }

        var minutes = seconds / 60;
        if (minutes < 10)
        {
            return seconds % 60 == 0 ? I($"{minutes}m") : I($"{minutes}m{seconds % 60}s");
        }

        if (minutes < 180)
        {
            return I($"{minutes}m");
        }

        return Hours(minutes / 60, minutes);
    }

    /// <summary>A configured duration in the duration flags' grammar: ms below a second, else h, m and s parts.</summary>
    public static string Exact(TimeSpan t) =>
        t.TotalSeconds < 1 ? I($"{t.TotalMilliseconds:0}ms")
        : t.TotalMinutes < 1 ? I($"{t.TotalSeconds:0}s")
        : t.TotalHours < 1 ? (t.Seconds == 0 ? I($"{(int)t.TotalMinutes}m") : I($"{(int)t.TotalMinutes}m{t.Seconds}s"))
        : I($"{(int)t.TotalHours}h{(t.Minutes > 0 ? I($"{t.Minutes}m") : string.Empty)}");

    private static string Hours(long hours, long minutes)
    {
        if (hours < 8)
        {
            return minutes % 60 == 0 ? I($"{hours}h") : I($"{hours}h{minutes % 60}m");
        }

        if (hours < 48)
        {
            return I($"{hours}h");
        }

        if (hours < 24 * 8)
        {
            return hours % 24 == 0 ? I($"{hours / 24}d") : I($"{hours / 24}d{hours % 24}h");
        }

        if (hours < 24 * 365 * 2)
        {
            return I($"{hours / 24}d");
        }

        var days = hours / 24;
        if (hours < 24 * 365 * 8)
        {
            return days % 365 == 0 ? I($"{days / 365}y") : I($"{days / 365}y{days % 365}d");
        }

        return I($"{days / 365}y");
    }

    private static string I(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
