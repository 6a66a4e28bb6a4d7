using NumaOperator.Qemu.Host;

namespace NumaOperator.Qemu.Tests;

/// <summary>Boot files resolve inside the image root with symlinks followed, or are refused.</summary>
public sealed class ImageRootTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("numaop-images-").FullName;

    public ImageRootTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "root", "kernels"));
        File.WriteAllText(Path.Combine(_dir, "root", "kernels", "vmlinuz"), "k");
        File.WriteAllText(Path.Combine(_dir, "secret"), "s");
        File.CreateSymbolicLink(Path.Combine(_dir, "root", "escape"), Path.Combine(_dir, "secret"));
        File.CreateSymbolicLink(Path.Combine(_dir, "root", "inside"), Path.Combine(_dir, "root", "kernels", "vmlinuz"));
        Directory.CreateSymbolicLink(Path.Combine(_dir, "root", "updir"), _dir);
    }

    private ImageRoot Root => new(Path.Combine(_dir, "root"));

    [Fact]
    public void FileInsideResolvesToItsRealPath()
    {
        Assert.Equal(Path.Combine(_dir, "root", "kernels", "vmlinuz"), Root.Resolve("spec.boot.kernel", "kernels/vmlinuz"));
        Assert.Equal(Path.Combine(_dir, "root", "kernels", "vmlinuz"), Root.Resolve("spec.boot.kernel", "inside"));
    }

    [Theory]
    [InlineData("escape", "outside the image root")]
    [InlineData("updir/secret", "outside the image root")]
    [InlineData("../secret", "outside the image root")]
    [InlineData("missing", "no such file")]
    [InlineData("kernels", "no such file")]
    public void EscapesAndMissingFilesAreRefused(string name, string message)
    {
        var e = Assert.Throws<BootFileException>(() => Root.Resolve("spec.boot.kernel", name));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("spec.boot.kernel: \"" + name + "\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AbsolutePathIsRefused() =>
        Assert.Throws<BootFileException>(() => Root.Resolve("spec.boot.initrd", Path.Combine(_dir, "secret")));

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
