using k8s;
using k8s.Models;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Cli.Tests;

/// <summary>
/// `numa-operator drain|uncordon` as a child process against the real embedded API server: spec.evacuate and the
/// Node's cordon are set and cleared, the wait ends when the node is empty or holds only blocked VMs (this test plays
/// the controller by writing status.evacuation), and bad input changes nothing.
/// </summary>
public sealed class DrainCommandTests : IAsyncLifetime
{
    private EmbeddedCliServer cluster = null!;

    private Kubernetes client = null!;

    public async Task InitializeAsync()
    {
        cluster = await EmbeddedCliServer.StartAsync("numaop-drain-");
        client = cluster.Client;
        await client.CustomObjects.CreateClusterCustomObjectAsync(
            new NumaNodeTopology { Metadata = new V1ObjectMeta { Name = "worker-a" } }, ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural);
        await client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "worker-a" } });
    }

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    private Task<CliResult> Run(params string[] args) => cluster.RunAsync(args);

    private async Task<(bool? Evacuate, bool? Unschedulable)> ReadAsync(string node)
    {
        var topology = await client.CustomObjects.GetClusterCustomObjectAsync<NumaNodeTopology>(ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, node);
        var kubeNode = await client.CoreV1.ReadNodeAsync(node);
        return (topology.Spec?.Evacuate, kubeNode.Spec?.Unschedulable);
    }

    [Fact]
    public async Task Drain_of_an_empty_node_sets_evacuate_cordons_it_and_exits_0_then_uncordon_clears_both()
    {
        var drained = await Run("drain", "worker-a");
        Assert.True(drained.ExitCode == 0, drained.Stderr);
        Assert.Contains("node worker-a: evacuation requested, Node cordoned", drained.Stdout, StringComparison.Ordinal);
        Assert.Contains("node worker-a: evacuated, no VM is left on it", drained.Stdout, StringComparison.Ordinal);
        Assert.Equal((true, true), await ReadAsync("worker-a"));

        var uncordoned = await Run("uncordon", "worker-a");
        Assert.True(uncordoned.ExitCode == 0, uncordoned.Stderr);
        Assert.Equal((null, null), await ReadAsync("worker-a"));
    }

    [Fact]
    public async Task Drain_with_only_a_blocked_vm_left_exits_1_naming_it()
    {
        var vm = new NumaVirtualMachine
        {
            Metadata = new V1ObjectMeta { Name = "keep", NamespaceProperty = "default" },
            Spec = new NumaVirtualMachineSpec { Cpu = new CpuSpec { Cores = 1 }, Memory = new MemorySpec { Size = "64Mi" } },
        };
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(vm, ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural);
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("{\"status\":{\"nodeName\":\"worker-a\"}}", V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "keep");
        var evacuation = new NodeEvacuationStatus
        {
            RequestedAt = DateTime.UtcNow,
            VmsRemaining = 1,
            Blocked = [new EvacuationBlockedVm { Name = "default/keep", Reason = "evictionStrategy None: stop or delete it" }],
            Message = "1 VM(s) left: 0 migrating, 0 waiting for a migration slot or a retry, 1 blocked",
        };
        await client.CustomObjects.PatchClusterCustomObjectStatusAsync(
            new V1Patch(KubernetesJson.Serialize(new { status = new { evacuation } }), V1Patch.PatchType.MergePatch),
            ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, "worker-a");

        var drained = await Run("drain", "worker-a");
        Assert.Equal(1, drained.ExitCode);
        Assert.Contains("  default/keep: blocked: evictionStrategy None: stop or delete it", drained.Stdout, StringComparison.Ordinal);
        Assert.Contains("error: node worker-a cannot be emptied: default/keep (evictionStrategy None: stop or delete it)", drained.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drain_with_no_wait_returns_at_once_and_a_node_without_a_node_object_is_not_cordoned()
    {
        await client.CustomObjects.CreateClusterCustomObjectAsync(
            new NumaNodeTopology { Metadata = new V1ObjectMeta { Name = "standalone-1" } }, ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural);
        var drained = await Run("drain", "standalone-1", "--no-wait");
        Assert.True(drained.ExitCode == 0, drained.Stderr);
        Assert.Equal("node standalone-1: evacuation requested (no Node object: nothing to cordon)\n", drained.Stdout);
    }

    [Fact]
    public async Task Drain_of_a_node_no_agent_published_is_a_runtime_failure()
    {
        var drained = await Run("drain", "ghost");
        Assert.Equal(1, drained.ExitCode);
        Assert.Contains("NumaNodeTopology \"ghost\" not found: no numa-operator agent has published node \"ghost\"", drained.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_node_name_is_bad_input_and_changes_nothing()
    {
        var drained = await Run("drain", "Worker_A");
        Assert.Equal(2, drained.ExitCode);
        Assert.Contains("argument NODE: \"Worker_A\" is not a node name", drained.Stderr, StringComparison.Ordinal);
        Assert.Equal((null, null), await ReadAsync("worker-a"));
    }
}
