using NumaOperator.Numa.Quantities;

namespace NumaOperator.Numa.Tests.Quantities;

public class ByteQuantityTests
{
    [Theory]
    [InlineData("30Gi", 32212254720L)]
    [InlineData("128Mi", 134217728L)]
    [InlineData("2G", 2000000000L)]
    [InlineData("1048576", 1048576L)]
    [InlineData("1Ki", 1024L)]
    [InlineData("5k", 5000L)]
    public void Parses_kubernetes_quantities(string text, long bytes)
    {
        Assert.True(ByteQuantity.TryParse(text, out var parsed));
        Assert.Equal(bytes, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1.5Gi")]
    [InlineData("-1Gi")]
    [InlineData("1e9")]
    [InlineData("100m")]
    [InlineData("Gi")]
    [InlineData("16Ei")]
    [InlineData("30 Gi")]
    public void Rejects_what_is_not_a_whole_byte_quantity(string text)
    {
        Assert.False(ByteQuantity.TryParse(text, out _));
        var ex = Assert.Throws<FormatException>(() => ByteQuantity.Parse(text));
        Assert.Contains("Ki, Mi, Gi", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(32212254720L, "30Gi")]
    [InlineData(2097152L, "2Mi")]
    [InlineData(1536L, "1536")]
    [InlineData(3072L, "3Ki")]
    [InlineData(0L, "0")]
    public void Formats_to_the_largest_exact_binary_unit(long bytes, string text)
    {
        Assert.Equal(text, ByteQuantity.Format(bytes));
        Assert.Equal(bytes, ByteQuantity.Parse(text));
    }

    [Fact]
    public void Human_form_has_one_decimal()
    {
        Assert.Equal("30.0 GiB", ByteQuantity.Human(30L << 30));
        Assert.Equal("1.5 MiB", ByteQuantity.Human(3L << 19));
        Assert.Equal("512 B", ByteQuantity.Human(512));
    }
}
