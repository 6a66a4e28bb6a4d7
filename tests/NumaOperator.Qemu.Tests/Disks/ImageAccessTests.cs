using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Host;
using NumaOperator.Qemu.Preflight;

namespace NumaOperator.Qemu.Tests.Disks;

/// <summary>--image-access: which namespaces may boot which files of the image root (real paths, so symlinks do not widen it).</summary>
public sealed class ImageAccessTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("numaop-image-access-").FullName;

    public ImageAccessTests()
    {
        foreach (var file in new[] { "shared/debian.raw", "team-a/app.raw", "team-b/db.raw", "loose.raw" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(root, file))!);
            File.WriteAllText(Path.Combine(root, file), "image");
        }

        File.CreateSymbolicLink(Path.Combine(root, "team-a", "steal.raw"), Path.Combine(root, "team-b", "db.raw"));
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static ImageAccess Parse(params string[] rules)
    {
        var access = ImageAccess.Parse(rules, out var problems);
        Assert.Empty(problems);
        return access;
    }

    private void AssertAllowed(ImageAccess access, string ns, string name)
    {
        var imageRoot = new ImageRoot(root);
        access.Check("spec.boot.disk.image", ns, name, imageRoot.Resolve("spec.boot.disk.image", name), imageRoot);
    }

    private string Refusal(ImageAccess access, string ns, string name) =>
        Assert.Throws<BootFileException>(() => AssertAllowed(access, ns, name)).Message;

    [Fact]
    public void Without_rules_every_namespace_may_use_every_file()
    {
        Assert.False(ImageAccess.Everyone.Restricted);
        AssertAllowed(ImageAccess.Everyone, "anyone", "team-b/db.raw");
        AssertAllowed(Parse(), "anyone", "loose.raw");
    }

    [Fact]
    public void A_namespace_uses_its_own_directories_and_those_of_every_namespace()
    {
        var access = Parse("*=shared", "team-a=team-a");

        AssertAllowed(access, "team-a", "team-a/app.raw");
        AssertAllowed(access, "team-a", "shared/debian.raw");
        AssertAllowed(access, "team-b", "shared/debian.raw");
        Assert.Equal(["team-a", "shared"], access.DirectoriesOf("team-a"));
    }

    [Fact]
    public void A_file_outside_the_namespace_directories_is_refused_naming_field_namespace_and_allowed_directories()
    {
        var access = Parse("*=shared", "team-a=team-a");

        Assert.Equal(
            $"spec.boot.disk.image: \"team-a/app.raw\" is not allowed for namespace team-b: it may use files under shared/ of the image root {root} (agent --image-access, chart value imageAccess)",
            Refusal(access, "team-b", "team-a/app.raw"));
        Assert.Contains("under team-a/, shared/", Refusal(access, "team-a", "loose.raw"), StringComparison.Ordinal);
        Assert.Contains("under none", Refusal(Parse("team-a=team-a"), "team-c", "team-a/app.raw"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_symlink_into_another_namespace_directory_is_judged_by_where_it_leads()
    {
        Assert.Contains("is not allowed for namespace team-a", Refusal(Parse("team-a=team-a"), "team-a", "team-a/steal.raw"), StringComparison.Ordinal);
    }

    [Fact]
    public void Dot_gives_the_whole_root()
    {
        AssertAllowed(Parse("ops=."), "ops", "team-b/db.raw");
    }

    [Fact]
    public void Kernel_initrd_and_disk_are_each_checked()
    {
        var access = Parse("team-a=team-a");
        var imageRoot = new ImageRoot(root);
        var boot = new BootFiles { Kernel = "team-a/app.raw", Initrd = "loose.raw" };
        var resolved = new ResolvedBoot(Path.Combine(root, "team-a/app.raw"), Path.Combine(root, "loose.raw"), null, null, null);

        var e = Assert.Throws<BootFileException>(() => access.CheckBoot(boot, resolved, "team-a", imageRoot));
        Assert.StartsWith("spec.boot.initrd: \"loose.raw\"", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("team-a", "\"team-a\" is not")]
    [InlineData("Team-A=x", "\"Team-A=x\" is not")]
    [InlineData("team-a=/etc", "\"team-a=/etc\" is not")]
    [InlineData("team-a=../up", "\"team-a=../up\" is not")]
    [InlineData("team-a=", "\"team-a=\" is not")]
    public void Bad_rules_are_named_with_the_allowed_form(string rule, string expected)
    {
        ImageAccess.Parse([rule], out var problems);

        var problem = Assert.Single(problems);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
        Assert.Contains(ImageAccess.RuleForm, problem, StringComparison.Ordinal);
    }
}
