using NumaOperator.Tests.Shared;

namespace NumaOperator.Packaging.Tests;

/// <summary>
/// No Docker engine exists here, so the image cannot be built; instead the test runs the same publish the
/// Dockerfile runs (tests/tools/publish.sh) and checks the Dockerfile copies and starts what it produces.
/// </summary>
public class DockerfileTests
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
        // the script reads: a composite publish takes minutes, and the NUMA lab runs the same one.
        var output = PublishedCli.Folder;

        var relative = Path.GetRelativePath(facts.CopiedTo, facts.Entrypoint[0]);
        var executable = Path.Combine(output, relative);
        Assert.True(File.Exists(executable), $"ENTRYPOINT {facts.Entrypoint[0]} names {relative}, which the publish did not produce in {output}");
        Assert.True(!OperatingSystem.IsLinux() || (File.GetUnixFileMode(executable) & UnixFileMode.UserExecute) != 0, $"{executable} is not executable");

        // Composite ReadyToRun (docs/benchmarks.md, "Composite ReadyToRun"): the app, its packages and the framework
        // are precompiled into one native image, and every assembly points into it.
        Assert.True(File.Exists(Path.Combine(output, "numa-operator.r2r.dll")), "the composite native image numa-operator.r2r.dll was not published");
        foreach (var assembly in new[] { "numa-operator.dll", "NumaOperator.Controller.dll", "NumaOperator.ControllerRuntime.dll", "NumaOperator.Api.dll", "KubernetesClient.dll", "System.Private.CoreLib.dll" })
        {
            using var pe = new System.Reflection.PortableExecutable.PEReader(File.OpenRead(Path.Combine(output, assembly)));
            Assert.True(pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0, $"{assembly} is not ReadyToRun compiled");
        }

        var help = ToolRun.Run(executable, ["--help"], TimeSpan.FromMinutes(1));
        Assert.True(help.ExitCode == 0, help.Describe());
        foreach (var command in ExpectedCommands())
        {
            Assert.Contains(command, help.StandardOutput, StringComparison.Ordinal);
        }
    }

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
