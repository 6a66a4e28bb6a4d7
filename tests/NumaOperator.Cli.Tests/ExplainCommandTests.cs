using System.Text.Json;
using k8s;
using k8s.Models;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ApiServer;
using NumaOperator.Controller;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Cli.Tests;

/// <summary>
/// `numa-operator explain` as a child process against the real embedded API server, with the real controller
/// (in-process host) scheduling VMs onto a simulated node; the test writes numastat into status as the agent would.
/// </summary>
public sealed class ExplainCommandTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan CliTimeout = TimeSpan.FromSeconds(60);
    private readonly string dir = Directory.CreateTempSubdirectory("numaop-explain-").FullName;
    private readonly CancellationTokenSource stopController = new();
    private EmbeddedApiServer server = null!;
    private Kubernetes client = null!;
    private GenericClient vms = null!;
    private Task controller = Task.CompletedTask;

    private string Kubeconfig => Path.Combine(dir, "kubeconfig");

    public async Task InitializeAsync()
    {
        server = await EmbeddedApiServer.StartAsync(new ApiServerOptions { BookmarkInterval = TimeSpan.FromSeconds(1) });
        server.WriteKubeconfig(Kubeconfig);
        client = new Kubernetes(server.ClientConfiguration());
        vms = new GenericClient(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural, disposeClient: false);

        // worker-a: two host NUMA nodes of 64 × 2Mi pages and 8 CPUs each, as an agent would publish them.
        await client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "worker-a" } });
        using var topologies = new GenericClient(client, ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, disposeClient: false);
        await topologies.CreateAsync(new NumaNodeTopology { Metadata = new V1ObjectMeta { Name = "worker-a" } });
        var status = new NumaNodeTopologyStatus
        {
            NumaNodes = [.. Enumerable.Range(0, 2).Select(id => new NumaNodeStatus
            {
                Id = id,
                Cpus = $"{id * 8}-{(id * 8) + 7}",
                MemoryBytes = 8L << 30,
                Hugepages = [new HugepagePoolStatus { PageSize = "2Mi", Total = 64, Free = 64 }],
                Distances = id == 0 ? [10, 21] : [21, 10],
            })],
        };
        await client.CustomObjects.PatchClusterCustomObjectStatusAsync(
            new V1Patch(KubernetesJson.Serialize(new { status }), V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, "worker-a");

        var host = new ControllerHost(client, new ControllerHostOptions());
        controller = Task.Run(() => host.RunAsync(stopController.Token));
    }

    public async Task DisposeAsync()
    {
        await stopController.CancelAsync();
        await controller.WaitAsync(TimeSpan.FromSeconds(10));
        await server.DisposeAsync();
        Directory.Delete(dir, recursive: true);
    }

    /// <summary>xunit calls this after <see cref="DisposeAsync"/>: the clients outlive the controller that uses them.</summary>
    public void Dispose()
    {
        stopController.Dispose();
        vms.Dispose();
        client.Dispose();
    }

    [Fact]
    public async Task Unschedulable_vm_is_explained_with_the_nodes_reason_and_its_free_pages()
    {
        await vms.CreateNamespacedAsync(Vm("big", "256Mi", dedicated: false), "default"); // 128 pages; each NUMA node has 64
        await WaitForAsync("big", vm => ConditionList.Find(vm.Status?.Conditions, "Scheduled")?.Reason == "Unschedulable");
        await WaitForWarningAsync("big");

        var run = await Explain("default/big");

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("Verdict:     not scheduled: 0/1 nodes fit: 1 no NUMA node with 128 free 2Mi pages", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("node worker-a: no NUMA node with 128 free 2Mi pages", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("controller: Scheduled reason Unschedulable: 0/1 nodes fit: 1 no NUMA node with 128 free 2Mi pages", run.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"\n\s+0\s+yes\s+64/64\s+short 128\s+8/8\s+ok 1\n", run.Stdout);
        Assert.Matches(@"FailedScheduling\s+\d+\s+\S+\s+\S+\s+0/1 nodes fit", run.Stdout);

        var json = await Explain("default/big", "-o", "json");
        Assert.True(json.ExitCode == 0, json.Stderr);
        var scheduling = JsonDocument.Parse(json.Stdout).RootElement.GetProperty("scheduling");
        Assert.Equal("no NUMA node with 128 free 2Mi pages", scheduling.GetProperty("nodes")[0].GetProperty("reason").GetString());
        Assert.Equal(64, scheduling.GetProperty("nodes")[0].GetProperty("numaNodes")[1].GetProperty("freePages").GetInt64());
    }

    [Fact]
    public async Task Scheduled_vm_is_explained_with_its_placement_and_where_its_memory_really_is()
    {
        await vms.CreateNamespacedAsync(Vm("db1", "64Mi", dedicated: true), "default");
        var placed = await WaitForAsync("db1", vm => vm.Status?.Placement is not null && vm.Metadata.Labels?.ContainsKey(ApiGroup.NodeLabel) == true);
        var hostNode = placed.Status!.Placement!.GuestNodes[0].HostNode;
        var other = 1 - hostNode;

        // What the agent writes after reading numa_maps of a QEMU whose memory landed on the other node.
        var now = DateTime.UtcNow;
        var conditions = placed.Status.Conditions!.ToList();
        conditions.Add(new V1Condition { Type = "Running", Status = "True", Reason = "Running", Message = "QEMU running", LastTransitionTime = now, ObservedGeneration = 1 });
        conditions.Add(new V1Condition { Type = "NumaAligned", Status = "False", Reason = "NotAligned", Message = $"guest RAM found on host node {other}", LastTransitionTime = now, ObservedGeneration = 1 });
        var status = new
        {
            phase = "Running",
            numastat = new { sampledAt = now, localRatio = "0.000", nodes = new[] { new { node = 0, bytes = hostNode == 0 ? 0L : 64L << 20 }, new { node = 1, bytes = hostNode == 1 ? 0L : 64L << 20 } } },
            conditions,
        };
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch(KubernetesJson.Serialize(new { status }), V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "db1");

        var run = await Explain("default/db1", "--kubeconfig", Kubeconfig);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains($"Verdict:     NOT NUMA-aligned: placed on node {hostNode}, measured 64.0 MiB on node {other} (not placed there) (localRatio 0.000)", run.Stdout, StringComparison.Ordinal);
        Assert.Contains($"Placement: node worker-a, host NUMA node(s) {hostNode}, page size 2Mi", run.Stdout, StringComparison.Ordinal);
        Assert.Matches($@"\n\s+0\s+{hostNode}\s+0-1\s+{placed.Status.Placement.GuestNodes[0].HostCpus}\s+64Mi\n", run.Stdout);
        Assert.DoesNotContain("Scheduling:", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Picture_output_draws_the_vms_node_from_the_ledger_with_its_guest_node_marked()
    {
        await vms.CreateNamespacedAsync(Vm("pictured", "64Mi", dedicated: true), "default");
        var placed = await WaitForAsync("pictured", vm => vm.Status?.Placement is not null && vm.Metadata.Labels?.ContainsKey(ApiGroup.NodeLabel) == true);
        var guest = placed.Status!.Placement!.GuestNodes[0];

        var run = await Explain("default/pictured", "-o", "picture");

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("Placement: node worker-a", run.Stdout, StringComparison.Ordinal); // the table comes first
        Assert.Contains("NUMA layout of worker-a  (the scheduler's ledger)", run.Stdout, StringComparison.Ordinal);
        Assert.Contains($"  <- default/pictured guest node 0: vCPUs 0-1 on CPUs {guest.HostCpus}, 64Mi of 2Mi pages", run.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"\n  CPUs  #{6}\.{18}  8: 0 reserved, 2 dedicated, 0 shared, 6 free\n", run.Stdout);
        Assert.Matches(@"\n  2Mi   #{12}\.{12}  32 placed, 32 free of 64 \(kernel: 64 free\)\n", run.Stdout);
        Assert.DoesNotContain('\u001b', run.Stdout);
    }

    [Fact]
    public async Task Bad_argument_exits_2_naming_the_argument_and_the_form()
    {
        var run = await Explain("db1");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("argument NAMESPACE/NAME: \"db1\" is not of the form NAMESPACE/NAME", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Stdout);
    }

    [Fact]
    public async Task Unknown_context_exits_2_naming_the_option()
    {
        var run = await Explain("default/db1", "--context", "nope");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--context", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("nope", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Named_context_is_used_and_an_output_format_outside_table_json_is_bad_input()
    {
        var run = await Explain("default/ghost", "--context", NumaOperator.ApiServer.Kubeconfig.ContextName);
        Assert.Equal(1, run.ExitCode); // reached the server through that context: NotFound, not a kubeconfig error
        Assert.Contains("not found", run.Stderr, StringComparison.Ordinal);

        var yaml = await Explain("default/ghost", "-o", "yaml");
        Assert.Equal(2, yaml.ExitCode);
        Assert.Contains("yaml", yaml.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_documents_the_exit_codes_including_NotFound()
    {
        var run = await Explain("--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("NotFound is exit 1", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("--kubeconfig", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_vm_exits_1_like_kubectl_and_says_so()
    {
        var run = await Explain("default/ghost");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("NumaVirtualMachine \"ghost\" not found in namespace \"default\"", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_server_exits_1_naming_the_server()
    {
        var address = server.BaseAddress.ToString().TrimEnd('/');
        await server.StopAsync();

        var run = await Explain("default/db1");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"cannot reach the API server {address}", run.Stderr, StringComparison.Ordinal);
    }

    /// <summary>Runs explain with this server's kubeconfig from $KUBECONFIG (the default lookup) unless args give --kubeconfig.</summary>
    private Task<CliResult> Explain(params string[] args)
    {
        var previous = Environment.GetEnvironmentVariable("KUBECONFIG");
        Environment.SetEnvironmentVariable("KUBECONFIG", "/nonexistent/first" + Path.PathSeparator + Kubeconfig);
        try
        {
            return CliProcess.RunAsync(CliTimeout, ["explain", .. args]);
        }
        finally
        {
            Environment.SetEnvironmentVariable("KUBECONFIG", previous);
        }
    }

    private static NumaVirtualMachine Vm(string name, string size, bool dedicated) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new NumaVirtualMachineSpec
        {
            Running = true,
            Cpu = new CpuSpec { Cores = 2, Dedicated = dedicated },
            Memory = new MemorySpec { Size = size, Hugepages = new HugepagesSpec { PageSize = "2Mi" } },
        },
    };

    private Task<NumaVirtualMachine> WaitForAsync(string name, Func<NumaVirtualMachine, bool> done) =>
        Eventually.UntilAsync(
            () => vms.ReadNamespacedAsync<NumaVirtualMachine>("default", name), done, TimeSpan.FromSeconds(30), $"{name} converges", last => KubernetesJson.Serialize(last.Status), poll: TimeSpan.FromMilliseconds(50));

    private Task WaitForWarningAsync(string name) =>
        Eventually.HoldsAsync(
            async () => (await client.CoreV1.ListNamespacedEventAsync("default")).Items.Any(e => e.InvolvedObject?.Name == name && e.Type == "Warning"),
            TimeSpan.FromSeconds(30),
            $"a Warning event about {name}",
            TimeSpan.FromMilliseconds(50));
}
