using NumaOperator.Numa.Quantities;

namespace NumaOperator.Numa.Tests.Quantities;

public class CpuSetTests
{
    [Theory]
    [InlineData("0-3,8,10-11", new[] { 0, 1, 2, 3, 8, 10, 11 }, "0-3,8,10-11")]
    [InlineData("1", new[] { 1 }, "1")]
    [InlineData(" 3,1,2 ", new[] { 1, 2, 3 }, "1-3")]
    [InlineData("0,2", new[] { 0, 2 }, "0,2")]
    [InlineData("4-5", new[] { 4, 5 }, "4-5")]
    [InlineData("\n", new int[0], "")]
    [InlineData("0-1,1-2", new[] { 0, 1, 2 }, "0-2")]
    public void Parses_and_formats_canonically(string text, int[] members, string canonical)
    {
        var set = CpuSet.Parse(text);
        Assert.Equal(members, set.ToArray());
        Assert.Equal(canonical, set.ToString());
        Assert.Equal(set, CpuSet.Parse(set.ToString()));
    }

    [Theory]
    [InlineData("a-b", "a-b")]
    [InlineData("1-0", "ends before it starts")]
    [InlineData("1,,2", "\"\"")]
    [InlineData("-1", "-1")]
    [InlineData("0-70000", "0 to 65535")]
    [InlineData("1;rm -rf /", "is not a range of numbers")]
    [InlineData("1;reboot", "is not a number from 0 to 65535")]
    public void Rejects_bad_syntax_with_a_message_saying_what_was_expected(string text, string expectedInMessage)
    {
        Assert.False(CpuSet.TryParse(text, out _, out var error));
        Assert.Contains(expectedInMessage, error, StringComparison.Ordinal);
        var ex = Assert.Throws<FormatException>(() => CpuSet.Parse(text));
        Assert.Equal(error, ex.Message);
    }

    [Fact]
    public void Set_operations_follow_set_algebra()
    {
        var a = CpuSet.Parse("0-7");
        var b = CpuSet.Parse("4-11");
        Assert.Equal("0-11", a.Union(b).ToString());
        Assert.Equal("4-7", a.Intersect(b).ToString());
        Assert.Equal("0-3", a.Except(b).ToString());
        Assert.True(a.Overlaps(b));
        Assert.False(CpuSet.Parse("0-3").Overlaps(CpuSet.Parse("4-7")));
        Assert.True(CpuSet.Parse("2-3").IsSubsetOf(a));
        Assert.False(b.IsSubsetOf(a));
    }
}
