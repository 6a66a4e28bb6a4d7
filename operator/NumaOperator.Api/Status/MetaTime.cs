namespace NumaOperator.Api.Status;

/// <summary>Times as Kubernetes stores them: metav1.Time carries whole seconds, so a time written and read back compares equal.</summary>
public static class MetaTime
{
    public static DateTime WholeSeconds(DateTime time) => new(time.Ticks - (time.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

    /// <summary>Now, in whole seconds.</summary>
    public static DateTime Now(TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return WholeSeconds(clock.GetUtcNow().UtcDateTime);
    }
}
