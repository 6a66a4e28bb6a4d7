using System.Globalization;

namespace NumaOperator.Cli.Explaining;

/// <summary>How long ago, in kubectl's short form: 42s, 5m12s, 3h4m, 6d2h. Pure.</summary>
public static class Age
{
    public static string Of(DateTime? then, DateTime now)
    {
        if (then is not { } at)
        {
            return "unknown";
        }

        var span = now - at.ToUniversalTime();
        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero; // clock skew between client and server: never print a negative age
        }

        string N(double v) => ((long)v).ToString(CultureInfo.InvariantCulture);
        return span.TotalSeconds < 60 ? N(span.TotalSeconds) + "s"
            : span.TotalMinutes < 10 ? $"{N(span.TotalMinutes)}m{N(span.Seconds)}s"
            : span.TotalHours < 1 ? N(span.TotalMinutes) + "m"
            : span.TotalHours < 24 ? $"{N(span.TotalHours)}h{N(span.Minutes)}m"
            : $"{N(span.TotalDays)}d{N(span.Hours)}h";
    }
}
