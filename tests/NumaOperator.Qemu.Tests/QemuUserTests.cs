using NumaOperator.Qemu.CommandLine;

namespace NumaOperator.Qemu.Tests;

/// <summary>--qemu-user's grammar: numeric UID:GID (neither 0 nor -1), or root / empty to keep QEMU as root.</summary>
public sealed class QemuUserTests
{
    [Theory]
    [InlineData("65531:65531", 65531u, 65531u)]
    [InlineData("107:108", 107u, 108u)]
    [InlineData(" 1:1 ", 1u, 1u)]
    [InlineData("4294967294:4294967294", 4294967294u, 4294967294u)]
    public void Numeric_ids_parse(string text, uint uid, uint gid)
    {
        Assert.True(QemuUser.TryParse(text, out var user, out var error), error);
        Assert.Equal(uid, user!.Uid);
        Assert.Equal(gid, user.Gid);
        Assert.Equal($"{uid}:{gid}", user.ToString());
    }

    [Theory]
    [InlineData("root")]
    [InlineData("")]
    [InlineData(null)]
    public void Root_or_empty_keeps_qemu_root(string? text)
    {
        Assert.True(QemuUser.TryParse(text, out var user, out _));
        Assert.Null(user);
    }

    [Theory]
    [InlineData("qemu")] // a name: resolved by QEMU in whichever passwd it sees
    [InlineData("0:0")]
    [InlineData("0:107")]
    [InlineData("107:0")]
    [InlineData("107")]
    [InlineData("107:")]
    [InlineData(":107")]
    [InlineData("107:107:107")]
    [InlineData("-1:107")]
    [InlineData("+107:107")]
    [InlineData("0x6b:107")]
    [InlineData("4294967295:107")] // (uid_t)-1
    [InlineData("4294967296:107")]
    [InlineData("107:107,user=0")]
    [InlineData("Root")]
    public void Anything_else_is_refused_naming_the_allowed_forms(string text)
    {
        Assert.False(QemuUser.TryParse(text, out var user, out var error));
        Assert.Null(user);
        Assert.Contains($"\"{text}\" is not UID:GID", error, StringComparison.Ordinal);
        Assert.Contains("or root", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_is_an_unprivileged_id_of_its_own()
    {
        Assert.Equal("65531:65531", QemuUser.Default.ToString());
        Assert.Throws<ArgumentException>(() => new QemuUser(0, 1));
        Assert.Throws<ArgumentException>(() => new QemuUser(1, 0));
    }
}
