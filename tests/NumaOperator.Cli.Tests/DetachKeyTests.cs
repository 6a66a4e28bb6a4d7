using NumaOperator.Cli.Attaching;

namespace NumaOperator.Cli.Tests;

public sealed class DetachKeyTests
{
    [Fact]
    public void Input_without_the_detach_key_all_goes_to_the_guest() =>
        Assert.Equal((5, false), DetachKey.Scan("ls /\n"u8));

    [Fact]
    public void Bytes_typed_before_ctrl_right_bracket_go_to_the_guest_and_nothing_after_it() =>
        Assert.Equal((3, true), DetachKey.Scan([(byte)'l', (byte)'s', (byte)'\n', 0x1d, (byte)'x']));

    [Fact]
    public void Ctrl_right_bracket_alone_detaches_and_sends_nothing() =>
        Assert.Equal((0, true), DetachKey.Scan([0x1d]));

    [Fact]
    public void Ctrl_c_is_not_the_detach_key_it_goes_to_the_guest() =>
        Assert.Equal((1, false), DetachKey.Scan([0x03]));
}
