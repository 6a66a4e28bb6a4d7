using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Packaging.Tests;

/// <summary>
/// No Docker engine exists here, so the image cannot be built; instead the test runs the same publish the
/// Dockerfile runs (tests/tools/publish.sh) and checks the Dockerfile copies and starts what it produces, and that
/// the runtime image can run it.
/// </summary>
public partial class DockerfileTests
{
    [Fact]
    public void Build_stage_publishes_with_the_repository_script_and_the_runtime_stage_copies_its_output()
    {
        var facts = DockerfileFacts.Read();

        Assert.Equal(facts.PublishScriptOutput, facts.CopiedFrom);
        var entrypoint = Assert.Single(facts.Entrypoint);
        Assert.StartsWith(facts.CopiedTo.TrimEnd('/') + "/", entrypoint, StringComparison.Ordinal);
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0", facts.BuildBase, StringComparison.Ordinal);
    }

    [Fact]
    public void Runtime_stage_is_a_pinned_debian_with_qemu_and_a_non_root_default_user()
    {
        var facts = DockerfileFacts.Read();

        Assert.StartsWith("debian:", facts.RuntimeBase, StringComparison.Ordinal);
        var tag = facts.RuntimeBase["debian:".Length..];
        Assert.True(tag.Any(char.IsDigit) && tag != "latest", $"runtime base {facts.RuntimeBase} is not pinned to a release tag");
        Assert.Contains("qemu-system-x86", facts.RuntimeStage, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"^(0|root)(:|$)", facts.User);
    }

    [Fact]
    public void Docker_context_keeps_the_publish_inputs_and_drops_build_outputs()
    {
        var ignored = File.ReadAllLines(RepoPaths.Combine(".dockerignore"))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToList();

        Assert.Contains("artifacts", ignored);
        Assert.Contains(".tools", ignored);
        Assert.Contains("**/obj", ignored);
        Assert.DoesNotContain(ignored, l => l is "tests" or "tests/tools" or "operator" or "*.sh" || l.StartsWith("tests/tools", StringComparison.Ordinal));
    }

    [Fact]
    public void Publishing_as_the_dockerfile_does_produces_the_entrypoint_executable()
    {
        var facts = DockerfileFacts.Read();
        // PublishedCli runs tests/tools/publish.sh, as the Dockerfile does, and keeps its output by the content of what
        // the script reads: a Native AOT publish takes minutes, and the NUMA lab and the CLI tests run the same one.
        var output = PublishedCli.Folder;

        var relative = Path.GetRelativePath(facts.CopiedTo, facts.Entrypoint[0]);
        var executable = Path.Combine(output, relative);
        Assert.True(File.Exists(executable), $"ENTRYPOINT {facts.Entrypoint[0]} names {relative}, which the publish did not produce in {output}");
        Assert.True(!OperatingSystem.IsLinux() || (File.GetUnixFileMode(executable) & UnixFileMode.UserExecute) != 0, $"{executable} is not executable");

        // Native AOT (docs/benchmarks.md, "Native AOT ships"): one native executable, no managed assemblies and no .NET
        // runtime beside it.
        using (var file = File.OpenRead(executable))
        {
            var magic = new byte[4];
            file.ReadExactly(magic);
            Assert.True(magic.AsSpan().SequenceEqual("\u007fELF"u8), $"{executable} is not a native ELF executable");
        }

        foreach (var managed in new[] { "numa-operator.dll", "System.Private.CoreLib.dll", "libcoreclr.so" })
        {
            Assert.False(File.Exists(Path.Combine(output, managed)), $"{managed} was published: the publish is not Native AOT");
        }

        var help = ToolRun.Run(executable, ["--help"], TimeSpan.FromMinutes(1));
        Assert.True(help.ExitCode == 0, help.Describe());
        foreach (var command in ExpectedCommands())
        {
            Assert.Contains(command, help.StandardOutput, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Published_executable_asks_for_no_newer_glibc_than_the_runtime_image_has()
    {
        var facts = DockerfileFacts.Read();
        // glibc of each Debian release the runtime stage may name (bookworm 2.36, trixie 2.41).
        var glibcMinor = new Dictionary<string, int>(StringComparer.Ordinal) { ["12"] = 36, ["13"] = 41 };
        var release = facts.RuntimeBase["debian:".Length..].Split('.', '-')[0];
        Assert.True(glibcMinor.TryGetValue(release, out var available), $"runtime base {facts.RuntimeBase}: add its glibc version to this test");

        // The versions the executable asks the dynamic linker for are GLIBC_2.N strings in its .dynstr.
        var needed = GlibcVersion().Matches(Encoding.Latin1.GetString(File.ReadAllBytes(PublishedCli.Executable)))
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            .DefaultIfEmpty(0)
            .Max();

        Assert.True(needed > 0, "no GLIBC_2.N version found in the executable: is it dynamically linked?");
        Assert.True(needed <= available, $"the executable asks for glibc 2.{needed}, {facts.RuntimeBase} has 2.{available}");
    }

    [GeneratedRegex(@"GLIBC_2\.(\d+)")]
    private static partial Regex GlibcVersion();

    /// <summary>The subcommands the chart starts, once their source exists in operator/NumaOperator/Commands.</summary>
    private static IEnumerable<string> ExpectedCommands()
    {
        yield return "nodes";
        foreach (var (command, file) in new[] { ("controller", "ControllerCommand.cs"), ("agent", "AgentCommand.cs") })
        {
            if (File.Exists(RepoPaths.Combine("operator", "NumaOperator", "Commands", file)))
            {
                yield return command;
            }
        }
    }
}
