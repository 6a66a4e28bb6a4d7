using NumaOperator.Numa.Quantities;

namespace NumaOperator.Numa.Tests.Quantities;

public sealed class HumanDurationTests
{
    private static readonly DateTime Now = new(2026, 11, 29, 10, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(65, "65s")]
    [InlineData(300, "5m")]
    [InlineData(312, "5m12s")]
    [InlineData(184 * 60, "3h4m")]
    [InlineData(49 * 3600, "2d1h")]
    public void An_age_reads_as_kubectl_gets_AGE_column(int secondsAgo, string expected) =>
        Assert.Equal(expected, HumanDuration.Age(Now.AddSeconds(-secondsAgo), Now));

    [Fact]
    public void An_age_in_the_future_is_zero_and_no_time_is_unknown()
    {
        Assert.Equal("0s", HumanDuration.Age(Now.AddSeconds(5), Now));
        Assert.Equal("unknown", HumanDuration.Age(null, Now));
    }

    [Theory]
    [InlineData(0.2, "200ms")]
    [InlineData(30, "30s")]
    [InlineData(90, "1m30s")]
    [InlineData(300, "5m")]
    [InlineData(3600, "1h")]
    [InlineData(3900, "1h5m")]
    public void A_configured_duration_is_written_as_the_duration_flags_take_it(double seconds, string expected) =>
        Assert.Equal(expected, HumanDuration.Exact(TimeSpan.FromSeconds(seconds)));
}
