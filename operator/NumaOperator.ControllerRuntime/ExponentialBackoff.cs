namespace NumaOperator.ControllerRuntime;

/// <summary>Per-key retry delay: <c>Base × 2^failures</c>, capped, so a failing key slows down and a healthy one never waits.</summary>
public sealed record ExponentialBackoff(TimeSpan Base, TimeSpan Cap)
{
    public static ExponentialBackoff Default { get; } = new(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(30));

    /// <summary>The delay before retry number <paramref name="failures"/> + 1 (0 failures so far → <see cref="Base"/>).</summary>
    public TimeSpan Delay(int failures)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(failures);

        // 2^30 × any sane base already exceeds every sane cap; stop doubling before the ticks overflow.
        var exponent = Math.Min(failures, 30);
        var ticks = Base.Ticks * Math.Pow(2, exponent);
        return ticks >= Cap.Ticks ? Cap : TimeSpan.FromTicks((long)ticks);
    }
}
