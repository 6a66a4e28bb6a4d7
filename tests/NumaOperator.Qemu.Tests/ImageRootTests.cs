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
    public void File_inside_resolves_to_its_real_path()
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
    public void Escapes_and_missing_files_are_refused(string name, string message)
    {
        var e = Assert.Throws<BootFileException>(() => Root.Resolve("spec.boot.kernel", name));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("spec.boot.kernel: \"" + name + "\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Absolute_path_is_refused() =>
        Assert.Throws<BootFileException>(() => Root.Resolve("spec.boot.initrd", Path.Combine(_dir, "secret")));

    [Fact]
    public void Opened_path_inside_resolves_to_its_real_path()
    {
        Assert.True(Root.TryResolveOpened(Path.Combine(_dir, "root", "inside"), out var real, out var problem), problem);
        Assert.Equal(Path.Combine(_dir, "root", "kernels", "vmlinuz"), real);
        Assert.True(Root.TryResolveOpened(Path.Combine(_dir, "root", "kernels", "..", "kernels", ".", "vmlinuz"), out real, out _));
        Assert.Equal(Path.Combine(_dir, "root", "kernels", "vmlinuz"), real);
    }

    /// <summary>Paths QEMU opens are resolved as the kernel does: a symlink first, then "..", and no path through a file.</summary>
    [Theory]
    [InlineData("root/updir/secret", "resolves to {dir}/secret, outside the root")]
    [InlineData("root/escape", "resolves to {dir}/secret, outside the root")]
    [InlineData("root/../secret", "resolves to {dir}/secret, outside the root")]
    [InlineData("root/updir/root/kernels/../../secret", "resolves to {dir}/secret, outside the root")]
    [InlineData("root/kernels/vmlinuz/", "does not exist")]
    [InlineData("root/kernels/vmlinuz/../vmlinuz", "does not exist")]
    [InlineData("root/missing/../kernels/vmlinuz", "does not exist")]
    [InlineData("root/loop", "does not exist")]
    [InlineData("root/kernels", "resolves to {dir}/root/kernels, a directory")]
    public void Opened_paths_are_resolved_like_the_kernel(string path, string problem)
    {
        File.CreateSymbolicLink(Path.Combine(_dir, "root", "loop"), Path.Combine(_dir, "root", "loop2"));
        File.CreateSymbolicLink(Path.Combine(_dir, "root", "loop2"), Path.Combine(_dir, "root", "loop"));
        Assert.False(Root.TryResolveOpened(Path.Combine(_dir, path), out var real, out var actual));
        Assert.Null(real);
        Assert.Equal(problem.Replace("{dir}", _dir, StringComparison.Ordinal), actual);
    }

    /// <summary>"updir" points at the root's parent: "updir/root/.." is that parent again, though lexically it would be inside the root.</summary>
    [Fact]
    public void Dot_dot_after_a_symlink_is_not_lexical()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "elsewhere", "sub"));
        File.WriteAllText(Path.Combine(_dir, "elsewhere", "file"), "x");
        File.WriteAllText(Path.Combine(_dir, "root", "file"), "inside");
        Directory.CreateSymbolicLink(Path.Combine(_dir, "root", "sublink"), Path.Combine(_dir, "elsewhere", "sub"));
        Assert.False(Root.TryResolveOpened(Path.Combine(_dir, "root", "sublink", "..", "file"), out _, out var problem));
        Assert.Equal($"resolves to {Path.Combine(_dir, "elsewhere", "file")}, outside the root", problem);
    }

    [Fact]
    public void Opened_path_must_be_absolute() =>
        Assert.False(Root.TryResolveOpened("kernels/vmlinuz", out _, out _));

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
