using NumaOperator.Agent.Launch;
using NumaOperator.Agent.Runtime;
using NumaOperator.Api.Serialization;
using NumaOperator.Api.Status;
using NumaOperator.Api.Validation;
using NumaOperator.ControllerRuntime;
using NumaOperator.Qemu.Host;
using NumaOperator.Qemu.Preflight;
using NumaOperator.Tests.Shared;

namespace NumaOperator.BadInput.Tests;

/// <summary>
/// The corpus's pre-flight cases: specs every API server accepts (a boot file name is syntactically fine) that must never
/// reach QEMU because the file is missing or a symlink (made here, never committed) leads out of the image root.
/// </summary>
public sealed class PreflightTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("numaop-badinput-preflight-").FullName;

    public static TheoryData<string> Manifests => Corpus.Files(e => e.Surface == Surfaces.Preflight);

    public void Dispose() => Directory.Delete(root, recursive: true);

    /// <summary>The agent's launch path refuses the boot file as bad input, naming the field (holds today, without the agent host).</summary>
    [Theory]
    [MemberData(nameof(Manifests))]
    public void Launch_preflight_refuses_the_boot_file(string file)
    {
        var entry = Corpus.Get(file);
        var images = PrepareImageRoot(entry);
        var set = new ManifestSet();
        ManifestReader.Read(entry.Text, entry.Path, set);
        var vm = Assert.Single(set.VirtualMachines).Resource;
        Assert.True(NumaVirtualMachineValidator.Validate(vm).IsValid, $"{file}: a pre-flight case must pass validation, or it tests the wrong layer");

        var refused = Assert.Throws<PreflightException>(() => LaunchPreflight.ResolveBoot(SpecBootFiles.Of(vm.Spec.Boot), new ImageRoot(images)));
        Assert.True(refused.IsBadInput);
        CorpusChecks.ContainsAll(refused.Message, entry.Field, entry.Core, file + " (pre-flight)");
    }

    /// <summary>
    /// End to end: stored, placed on the agent's node, then the agent's pre-flight sets Running=False naming the field and
    /// starts no QEMU. Runs once AgentHost works; skipped with the reason until then.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Manifests))]
    public async Task Agent_sets_running_false_and_starts_no_qemu(string file)
    {
        Skip.IfNot(HostCapabilities.IsLinux, "the agent reads Linux sysfs");
        var entry = Corpus.Get(file);
        var images = PrepareImageRoot(entry);
        await using var env = await AgentEnvironment.StartAsync(images, Path.Combine(root, "state"));
        Skip.If(env.Unavailable is not null, env.Unavailable + "; the pre-flight surface is held by Launch_preflight_refuses_the_boot_file until then");

        await env.CreateAsync(EmbeddedEnvironment.ToJson(entry));
        var vm = await env.WaitForAsync(entry.Name, v => ConditionList.Find(v.Status?.Conditions, AgentConditions.Running) is { Status: "False" } running
            && running.Message?.Contains(entry.Field, StringComparison.Ordinal) == true);
        var refused = ConditionList.Find(vm.Status!.Conditions, AgentConditions.Running)!;
        Assert.Equal(AgentConditions.ReasonBadBootFile, refused.Reason);
        CorpusChecks.ContainsAll(refused.Message, entry.Field, entry.Core, file + " (Running=False)");
        Assert.Equal(AgentEnvironment.NodeName, vm.Status.NodeName); // it was placed: the refusal is the agent's
        Assert.Empty(ProcScan.QemuCarrying(vm.Metadata.Uid, "guest=" + entry.Name));
        Assert.False(ConditionList.IsTrue(vm.Status.Conditions, AgentConditions.Ready));
        await env.DeleteAndWaitGoneAsync(entry.Name);
    }

    /// <summary>A fresh image root holding a real file, plus the entry's symlink (pointing outside the root).</summary>
    private string PrepareImageRoot(CorpusEntry entry)
    {
        var images = Path.Combine(root, "images");
        Directory.CreateDirectory(images);
        File.WriteAllText(Path.Combine(images, "vmlinuz"), "not a kernel");
        if (entry.Symlink is { } link)
        {
            File.CreateSymbolicLink(Path.Combine(images, link.Name), link.Target);
        }

        return images;
    }
}
