using NumaOperator.Api.Serialization;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Benchmarks.Workload;
using NumaOperator.Numa.Quantities;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Cli.Tests;

/// <summary>`numa-operator place` run as a process, its output read back and checked independently of the ledger.</summary>
public sealed class PlaceCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("numaop-place-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fleet => RepoPaths.Combine("examples", "fleet.yaml");

    [Theory]
    [InlineData("json")]
    [InlineData("yaml")]
    public void Places_the_example_fleet_and_prints_statuses_as_the_controller_writes_them(string format)
    {
        var run = Cli("place", Fleet, "-o", format);

        // The fleet holds an invalid VM: bad input, exit 2, yet the whole plan is printed and the error names the fields.
        Assert.Equal(2, run.ExitCode);
        Assert.Equal(
            [
                $"error: {Fleet}: document 11: NumaVirtualMachine default/broken: invalid spec: spec.cpu.cores: Invalid value: 0: must be between 1 and 1024; spec.memory.hugepages.pageSize: Unsupported value: \"3Mi\": supported values: \"2Mi\", \"1Gi\"",
                "not every VM placed: 8 VMs: 4 placed now, 2 already placed, 1 unschedulable, 1 invalid, 0 conflicting",
            ],
            run.Stderr.TrimEnd('\n').Split('\n'));
        var output = ReadBack(run.Stdout, format);
        var topologies = ManifestReader.ReadFiles([Fleet]).Topologies.Select(t => t.Resource).ToList();
        var vms = output.VirtualMachines.Select(v => v.Resource).ToDictionary(v => v.Metadata.Name);
        Assert.Equal(["web-1", "db-1", "db-2", "analytics", "cache", "tools", "giant", "broken"], output.VirtualMachines.Select(v => v.Resource.Metadata.Name));
        AssertNoDoubleBooking(topologies, vms.Values);

        // Already placed: untouched.
        Assert.Equal(("Running", "worker-1", "8-9,24-25"), (vms["db-1"].Status!.Phase, vms["db-1"].Status!.NodeName, vms["db-1"].Status!.Placement!.GuestNodes[0].HostCpus));
        Assert.Null(vms["db-1"].Status!.Conditions);

        foreach (var name in new[] { "db-2", "analytics", "cache", "tools" })
        {
            var status = vms[name].Status!;
            Assert.Equal("Scheduled", status.Phase);
            Assert.Equal(status.NodeName, vms[name].Metadata.Labels[ApiGroup.NodeLabel]);
            // As the controller writes them: Scheduled, and Reconciling until the node's agent has started the VM.
            Assert.Equal(["Scheduled", "Reconciling"], status.Conditions!.Select(c => c.Type));
            Assert.Equal(vms[name].Metadata.Generation, status.ObservedGeneration);
            Assert.Equal(("True", "WaitingForAgent"), (status.Conditions![1].Status, status.Conditions[1].Reason));
            var condition = status.Conditions[0];
            Assert.Equal(("Scheduled", "True", "Scheduled"), (condition.Type, condition.Status, condition.Reason));
            Assert.Equal(vms[name].Metadata.Generation, condition.ObservedGeneration);
            Assert.StartsWith($"placed on {status.NodeName}: guest node 0", condition.Message, StringComparison.Ordinal);
            Assert.NotEqual(default, condition.LastTransitionTime);
        }

        Assert.Equal(6, CpuSet.Parse(vms["db-2"].Status!.Placement!.GuestNodes[0].HostCpus).Count);
        var analytics = vms["analytics"].Status!;
        Assert.Equal("worker-2", analytics.NodeName);
        Assert.Equal(2, analytics.Placement!.GuestNodes.Select(g => g.HostNode).Distinct().Count());
        Assert.All(analytics.Placement.GuestNodes, g => Assert.Equal("16Gi", g.Memory));
        Assert.Equal(("1Gi", "worker-1", 1), (vms["cache"].Status!.Placement!.PageSize, vms["cache"].Status!.NodeName, vms["cache"].Status!.Placement!.GuestNodes[0].HostNode));
        Assert.Equal("4Ki", vms["tools"].Status!.Placement!.PageSize);

        Assert.Equal(["Scheduled", "Reconciling"], vms["giant"].Status!.Conditions!.Select(c => c.Type)); // waits for capacity
        var giant = vms["giant"].Status!.Conditions![0];
        Assert.Equal(("False", "Unschedulable", "Pending"), (giant.Status, giant.Reason, vms["giant"].Status!.Phase));
        Assert.Equal("0/3 nodes fit: 2 no NUMA node with 49152 free 2Mi pages, 1 no NUMA node with 49152 free 2Mi pages and CPUs", giant.Message);
        Assert.Null(vms["giant"].Status!.Placement);

        Assert.Equal(["Scheduled", "Stalled"], vms["broken"].Status!.Conditions!.Select(c => c.Type)); // cannot progress without a new spec
        var broken = vms["broken"].Status!.Conditions![0];
        Assert.Equal(("False", "InvalidSpec"), (broken.Status, broken.Reason));
        Assert.Contains("spec.cpu.cores: Invalid value: 0", broken.Message, StringComparison.Ordinal);
        Assert.Contains("spec.memory.hugepages.pageSize: Unsupported value: \"3Mi\"", broken.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Prints_a_table_by_default()
    {
        var run = Cli("place", Fleet);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith($"error: {Fleet}: document 11: NumaVirtualMachine default/broken: invalid spec: spec.cpu.cores:", run.Stderr, StringComparison.Ordinal);
        Assert.Single(run.Stderr.TrimEnd('\n').Split('\n')); // the totals are the table's last line, not repeated on stderr
        var lines = run.Stdout.Split('\n');
        Assert.StartsWith("VM ", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("default/giant ", StringComparison.Ordinal) && l.Contains("Unschedulable", StringComparison.Ordinal) && l.Contains("0/3 nodes fit:", StringComparison.Ordinal));
        Assert.Contains("8 VMs: 4 placed now, 2 already placed, 1 unschedulable, 1 invalid, 0 conflicting", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Optimize_prints_the_plan_with_its_proven_bound_and_keeps_the_output_machine_readable()
    {
        var table = Cli("place", FleetWithout("giant", "broken"), "--optimize", "--time-limit", "20");
        var json = Cli("place", FleetWithout("giant", "broken"), "--optimize", "--time-limit", "20", "-o", "json", "--packing", "spread");
        var badLimit = Cli("place", Fleet, "--optimize", "--time-limit", "0");
        var badPolicy = Cli("place", Fleet, "--packing", "MostAllocated");

        Assert.Equal(0, table.ExitCode);
        Assert.Matches(@"optimized plan: every VM placed using \d+ idle nodes; no plan uses fewer than \d+ \(gap 0\.00 %\)", table.Stdout);
        Assert.Equal(0, json.ExitCode);
        var planned = ReadBack(json.Stdout, "json").VirtualMachines;
        Assert.NotEmpty(planned);
        Assert.All(planned, v => Assert.NotNull(v.Resource.Status?.Placement));
        Assert.StartsWith("optimized plan: ", json.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, badLimit.ExitCode);
        Assert.Contains("--time-limit: 0 is out of range; allowed 1 to 3600 seconds", badLimit.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, badPolicy.ExitCode);
        Assert.Contains("MostAllocated", badPolicy.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Exit_code_says_all_placed_0_some_not_placed_1_or_invalid_spec_2()
    {
        var allFit = Cli("place", FleetWithout("giant", "broken"), "-o", "json");
        var giant = Cli("place", FleetWithout("broken"), "-o", "json");
        var conflict = Cli("place", FleetWithout("giant", "broken", "+db-1-twin"), "-o", "yaml");
        var table = Cli("place", FleetWithout("broken"));
        var invalidAndGiant = Cli("place", FleetWithout(), "-o", "json");

        Assert.Equal((0, string.Empty), (allFit.ExitCode, allFit.Stderr));
        Assert.All(ReadBack(allFit.Stdout, "json").VirtualMachines, v => Assert.NotNull(v.Resource.Status?.Placement));

        Assert.Equal((1, "not every VM placed: 7 VMs: 4 placed now, 2 already placed, 1 unschedulable, 0 invalid, 0 conflicting\n"), (giant.ExitCode, giant.Stderr));
        Assert.Equal(7, ReadBack(giant.Stdout, "json").VirtualMachines.Count);

        // A recorded placement that double-books another's: a fact about the input's cluster state, not a spec error.
        Assert.Equal(1, conflict.ExitCode);
        Assert.StartsWith("warning: default/db-1-twin: recorded placement conflicts with another VM's:", conflict.Stderr, StringComparison.Ordinal);
        Assert.EndsWith("not every VM placed: 7 VMs: 4 placed now, 2 already placed, 0 unschedulable, 0 invalid, 1 conflicting\n", conflict.Stderr, StringComparison.Ordinal);

        Assert.Equal((1, string.Empty), (table.ExitCode, table.Stderr));
        Assert.Contains("7 VMs: 4 placed now, 2 already placed, 1 unschedulable, 0 invalid, 0 conflicting", table.Stdout, StringComparison.Ordinal);

        // Bad input wins over an unschedulable VM.
        Assert.Equal(2, invalidAndGiant.ExitCode);
        Assert.Contains("NumaVirtualMachine default/broken: invalid spec: spec.cpu.cores: Invalid value: 0: must be between 1 and 1024", invalidAndGiant.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rejected_value_with_control_characters_stays_on_one_line()
    {
        var vm = Path.Combine(_dir, "cmdline.yaml");
        File.WriteAllText(vm, "apiVersion: numaoperator.io/v1alpha1\nkind: NumaVirtualMachine\nmetadata: {name: evil, namespace: default}\nspec:\n  cpu: {cores: 1}\n  memory: {size: 1Gi}\n  boot: {kernel: vmlinuz, cmdline: \"console=ttyS0\\n\\e[2J-device evil\"}\n");

        var run = Cli("place", vm);

        Assert.Equal(2, run.ExitCode);
        var error = Assert.Single(run.Stderr.TrimEnd('\n').Split('\n'), l => l.Contains("default/evil", StringComparison.Ordinal));
        Assert.Equal($"error: {vm}: document 1: NumaVirtualMachine default/evil: invalid spec: spec.boot.cmdline: Invalid value: \"console=ttyS0\\n\\u001b[2J-device evil\": must not contain control characters (newline, NUL, ...)", error);
        var row = Assert.Single(run.Stdout.Split('\n'), l => l.StartsWith("default/evil ", StringComparison.Ordinal));
        Assert.EndsWith("\\n\\u001b[2J-device evil\": must not contain control characters (newline, NUL, ...)", row, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', run.Stdout + run.Stderr);
    }

    [Fact]
    public void Help_documents_the_exit_codes()
    {
        var run = Cli("place", "--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Exit codes:", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("0  every VM has a placement", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("1  the input is valid, but some VM has none", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("2  bad input", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_input_exits_2_naming_the_file_document_and_field()
    {
        var bad = Path.Combine(_dir, "bad.yaml");
        File.WriteAllText(bad, File.ReadAllText(Fleet) + "\n---\napiVersion: numaoperator.io/v1alpha1\nkind: NumaVirtualMachine\nmetadata: {name: x}\nspec: {cpu: {cores: many}, memory: {size: 1Gi}}\n");

        var run = Cli("place", bad);
        var missing = Cli("place", Path.Combine(_dir, "missing.yaml"));
        var format = Cli("place", Fleet, "-o", "xml");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{bad}: document 12: NumaVirtualMachine x: field spec.cpu.cores", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("missing.yaml: cannot be read", missing.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, format.ExitCode);
        Assert.Contains("xml", format.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Places_a_generated_thousand_node_fleet_and_a_second_run_keeps_every_placement()
    {
        var nodes = FleetWorkload.Nodes(1000);
        var vms = FleetWorkload.VirtualMachines(10_000, seed: 7);
        var nodesFile = Write("nodes.yaml", nodes, ManifestFormat.Yaml);
        var vmsFile = Write("vms.json", vms, ManifestFormat.Json);

        var yaml = Cli("place", nodesFile, vmsFile, "-o", "yaml");
        Assert.Equal(0, yaml.ExitCode);
        var placed = ReadBack(yaml.Stdout, "yaml").VirtualMachines.Select(v => v.Resource).ToList();
        Assert.Equal(vms.Select(v => v.Key), placed.Select(v => v.Key));
        Assert.All(placed, vm => Assert.Equal("Scheduled", vm.Status?.Phase));
        AssertNoDoubleBooking(nodes, placed);

        // Fed back in, every recorded placement is kept as it is: the ledger rebuilds without conflicts.
        var placedFile = Path.Combine(_dir, "placed.yaml");
        File.WriteAllText(placedFile, yaml.Stdout);
        var again = Cli("place", nodesFile, placedFile, "-o", "json");
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(string.Empty, again.Stderr);
        var kept = ReadBack(again.Stdout, "json").VirtualMachines.Select(v => v.Resource).ToList();
        Assert.Equal(
            placed.Select(v => v.Key + "=" + v.Status!.NodeName + ":" + string.Join(";", v.Status.Placement!.GuestNodes.Select(g => $"{g.HostNode}/{g.HostCpus}/{g.Memory}"))),
            kept.Select(v => v.Key + "=" + v.Status!.NodeName + ":" + string.Join(";", v.Status.Placement!.GuestNodes.Select(g => $"{g.HostNode}/{g.HostCpus}/{g.Memory}"))));
    }

    /// <summary>Independent of the ledger: per node, NUMA node and page size the placed pages fit the pools, no CPU is pinned twice or reserved.</summary>
    private static void AssertNoDoubleBooking(IReadOnlyCollection<NumaNodeTopology> topologies, IEnumerable<NumaVirtualMachine> vms)
    {
        var capacity = new Dictionary<(string, int, string), long>();
        foreach (var node in topologies)
        {
            foreach (var numa in node.Status!.NumaNodes)
            {
                long huge = 0;
                foreach (var pool in numa.Hugepages)
                {
                    var bytes = ByteQuantity.Parse(pool.PageSize);
                    capacity[(node.Metadata.Name, numa.Id, pool.PageSize)] = pool.Total * bytes;
                    huge += pool.Total * bytes;
                }

                capacity[(node.Metadata.Name, numa.Id, "4Ki")] = numa.MemoryBytes - huge;
            }
        }

        var used = new Dictionary<(string, int, string), long>();
        var pinned = new HashSet<(string, int)>();
        foreach (var vm in vms.Where(v => v.Status?.Placement is not null))
        {
            var node = topologies.Single(t => t.Metadata.Name == vm.Status!.NodeName);
            var reserved = CpuSet.Parse(node.Spec?.ReservedCpus ?? string.Empty);
            foreach (var guest in vm.Status!.Placement!.GuestNodes)
            {
                var key = (vm.Status.NodeName!, guest.HostNode, vm.Status.Placement.PageSize);
                used[key] = used.GetValueOrDefault(key) + ByteQuantity.Parse(guest.Memory);
                var numaCpus = CpuSet.Parse(node.Status!.NumaNodes.Single(n => n.Id == guest.HostNode).Cpus);
                foreach (var cpu in CpuSet.Parse(guest.HostCpus))
                {
                    Assert.True(pinned.Add((vm.Status.NodeName!, cpu)), $"CPU {cpu} of {vm.Status.NodeName} pinned twice");
                    Assert.False(reserved.Contains(cpu), $"{vm.Key} pinned reserved CPU {cpu}");
                    Assert.True(numaCpus.Contains(cpu), $"{vm.Key}: CPU {cpu} is not on host NUMA node {guest.HostNode}");
                }
            }
        }

        foreach (var (key, bytes) in used)
        {
            Assert.True(bytes <= capacity.GetValueOrDefault(key), $"{key}: {bytes} bytes placed, {capacity.GetValueOrDefault(key)} offered");
        }
    }

    /// <summary>
    /// examples/fleet.yaml without the VMs named; "+NAME" adds a VM named NAME with db-1's spec and recorded
    /// placement (same CPUs and pages: a conflict).
    /// </summary>
    private string FleetWithout(params string[] changes)
    {
        var documents = File.ReadAllText(Fleet).Split("\n---\n").ToList();
        foreach (var change in changes)
        {
            if (change.StartsWith('+'))
            {
                var db1 = documents.Single(d => d.Contains("metadata: {name: db-1,", StringComparison.Ordinal));
                documents.Add(db1.Replace("name: db-1,", $"name: {change[1..]},", StringComparison.Ordinal));
            }
            else
            {
                Assert.Equal(1, documents.RemoveAll(d => d.Contains($"metadata: {{name: {change},", StringComparison.Ordinal)));
            }
        }

        var path = Path.Combine(_dir, $"fleet-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, string.Join("\n---\n", documents));
        return path;
    }

    private string Write(string name, IEnumerable<object> objects, ManifestFormat format)
    {
        var path = Path.Combine(_dir, name);
        using var writer = new StreamWriter(path);
        ManifestWriter.WriteList(objects, format, writer);
        return path;
    }

    private static ManifestSet ReadBack(string stdout, string format)
    {
        var set = new ManifestSet();
        ManifestReader.Read(stdout, "stdout." + format, set);
        return set;
    }

    private static CliResult Cli(params string[] args) => CliProcess.Run(TimeSpan.FromMinutes(2), args);
}
