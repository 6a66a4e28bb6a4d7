using System.Text.Json;
using NumaOperator.Api.Serialization;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Api.Tests.Serialization;

public class ManifestReaderTests
{
    private const string Topology = """
        apiVersion: numaoperator.io/v1alpha1
        kind: NumaNodeTopology
        metadata:
          name: w1
          labels: {zone: a}
        spec: {reservedCpus: "0-1"}
        status:
          heartbeatTime: "2026-11-29T10:00:00Z"
          numaNodes:
          - id: 1
            cpus: 8-15
            cores: [[8, 12], [9, 13]]
            memoryBytes: 274877906944
            hugepages: [{pageSize: 2Mi, total: 16384, free: 12000}]
            distances: [21, 10]
        """;

    private const string Vm = """
        apiVersion: numaoperator.io/v1alpha1
        kind: NumaVirtualMachine
        metadata: {name: db1, namespace: prod, generation: 3}
        spec:
          running: true
          cpu: {cores: 4, dedicated: true}
          memory: {size: 30Gi, hugepages: {pageSize: 2Mi}}
          numa: {nodes: "1", guestNodes: 1, policy: Strict}
          nodeSelector: {zone: a, "numeric": "1"}
        """;

    private static ManifestSet Read(string text, string file = "in.yaml")
    {
        var set = new ManifestSet();
        ManifestReader.Read(text, file, set);
        return set;
    }

    private static string ErrorOf(string text, string file = "in.yaml") =>
        Assert.Throws<ManifestException>(() => Read(text, file)).Message;

    [Fact]
    public void Reads_multi_document_yaml_field_by_field()
    {
        var set = Read(Topology + "\n---\n# empty document next\n---\n" + Vm);

        var topology = Assert.Single(set.Topologies);
        Assert.Equal(new ManifestSource("in.yaml", 1), topology.Source);
        Assert.Equal("w1", topology.Resource.Metadata.Name);
        Assert.Equal("a", topology.Resource.Metadata.Labels["zone"]);
        Assert.Equal("0-1", topology.Resource.Spec!.ReservedCpus);
        var numa = Assert.Single(topology.Resource.Status!.NumaNodes);
        Assert.Equal((1, "8-15", 274877906944L), (numa.Id, numa.Cpus, numa.MemoryBytes));
        Assert.Equal([8, 12], numa.Cores[0]);
        Assert.Equal(("2Mi", 16384L, 12000L), (numa.Hugepages[0].PageSize, numa.Hugepages[0].Total, numa.Hugepages[0].Free));
        Assert.Equal([21, 10], numa.Distances);
        Assert.Equal(new DateTime(2026, 11, 29, 10, 0, 0, DateTimeKind.Utc), topology.Resource.Status.HeartbeatTime);

        var vm = Assert.Single(set.VirtualMachines);
        Assert.Equal(3, vm.Source.Document);
        Assert.Equal("prod/db1", vm.Resource.Key);
        Assert.Equal(3, vm.Resource.Metadata.Generation);
        Assert.Equal((4, true), (vm.Resource.Spec.Cpu.Cores, vm.Resource.Spec.Cpu.Dedicated));
        Assert.Equal(("30Gi", "2Mi"), (vm.Resource.Spec.Memory.Size, vm.Resource.Spec.Memory.Hugepages!.PageSize));
        Assert.Equal(("1", 1, "Strict"), (vm.Resource.Spec.Numa!.Nodes, vm.Resource.Spec.Numa.GuestNodes, vm.Resource.Spec.Numa.Policy));
        Assert.Equal("1", vm.Resource.Spec.NodeSelector!["numeric"]);
    }

    [Fact]
    public void Reads_a_kubectl_list_with_server_fields()
    {
        var list = """
            apiVersion: v1
            kind: List
            metadata: {resourceVersion: ""}
            items:
            - apiVersion: numaoperator.io/v1alpha1
              kind: NumaVirtualMachine
              metadata:
                name: a
                namespace: default
                uid: 5f0c6c1e-6c3f-4d4e-9a53-0c6f9a9d1e11
                resourceVersion: "1234"
                creationTimestamp: "2026-11-29T09:59:00Z"
                finalizers: [numaoperator.io/vm-protection]
              spec: {cpu: {cores: 1}, memory: {size: 1Gi}}
              status:
                phase: Scheduled
                conditions:
                - {type: Scheduled, status: "True", reason: Scheduled, message: ok, lastTransitionTime: "2026-11-29T10:00:00Z", observedGeneration: 1}
            - apiVersion: v1
              kind: Node
              metadata: {name: w1, labels: {disk: ssd}}
              spec: {podCIDR: 10.0.0.0/24}
            """;

        var set = Read(list);

        var vm = Assert.Single(set.VirtualMachines);
        Assert.Equal(new ManifestSource("in.yaml", 1, 0), vm.Source);
        Assert.Equal("1234", vm.Resource.Metadata.ResourceVersion);
        Assert.Equal("True", vm.Resource.Status!.Conditions![0].Status);
        Assert.Equal("ssd", set.NodeLabels["w1"]["disk"]);
    }

    [Fact]
    public void Reads_json_objects_and_lists()
    {
        var single = Read("""{"apiVersion":"numaoperator.io/v1alpha1","kind":"NumaVirtualMachine","metadata":{"name":"a"},"spec":{"cpu":{"cores":2},"memory":{"size":"2Gi"}}}""", "vm.json");
        var list = Read("""{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"numaoperator.io/v1alpha1","kind":"NumaNodeTopology","metadata":{"name":"w1"}}]}""", "list.json");

        Assert.Equal(2, Assert.Single(single.VirtualMachines).Resource.Spec.Cpu.Cores);
        Assert.Equal("w1", Assert.Single(list.Topologies).Resource.Metadata.Name);
    }

    [Fact]
    public void A_type_error_names_the_file_document_and_field()
    {
        var message = ErrorOf(Topology + "\n---\n" + Vm.Replace("cores: 4", "cores: four", StringComparison.Ordinal), "fleet.yaml");

        Assert.StartsWith("fleet.yaml: document 2: NumaVirtualMachine db1: field spec.cpu.cores:", message, StringComparison.Ordinal);
        Assert.Contains("a whole number", message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unquoted_number_where_a_string_belongs_says_to_quote_it()
    {
        var message = ErrorOf(Vm.Replace("nodes: \"1\"", "nodes: 1", StringComparison.Ordinal));

        Assert.Contains("field spec.numa.nodes: the value is not a string (quote", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_misspelt_field_is_an_error_not_silently_ignored()
    {
        var message = ErrorOf(Vm.Replace("guestNodes: 1", "guestNode: 1", StringComparison.Ordinal));

        Assert.Contains("document 1", message, StringComparison.Ordinal);
        Assert.Contains("unknown field \"guestNode\"", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_list_item_is_named_by_its_index()
    {
        var message = ErrorOf("""{"kind":"List","items":[{"apiVersion":"numaoperator.io/v1alpha1","kind":"NumaNodeTopology","metadata":{"name":"w1"}},{"apiVersion":"v1","kind":"Pod"}]}""", "l.json");

        Assert.Equal("l.json: document 1, items[1]: field kind: Unsupported value: \"Pod\": supported values: NumaNodeTopology, NumaVirtualMachine, Node, List", message);
    }

    [Fact]
    public void Missing_kind_wrong_api_version_broken_yaml_and_aliases_are_reported()
    {
        Assert.Equal("in.yaml: document 1: field kind: Required value: one of NumaNodeTopology, NumaVirtualMachine, Node, List", ErrorOf("metadata: {name: x}"));
        Assert.Contains("field apiVersion: Unsupported value: \"numaoperator.io/v1\"", ErrorOf(Vm.Replace("v1alpha1", "v1", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Matches(@"^in\.yaml: document 2, line \d+, column \d+: not valid YAML", ErrorOf(Vm + "\n---\nkind: [unclosed\n"));
        Assert.Contains("aliases (*x) are not supported", ErrorOf("kind: NumaVirtualMachine\nmetadata: &x {name: a}\nspec: *x\n"), StringComparison.Ordinal);
        Assert.StartsWith("in.json: not valid JSON: line 1", ErrorOf("{\"kind\": ", "in.json"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var message = Assert.Throws<ManifestException>(() => ManifestReader.ReadFiles(["/nonexistent/fleet.yaml"])).Message;

        Assert.StartsWith("/nonexistent/fleet.yaml: cannot be read:", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ManifestFormat.Yaml)]
    [InlineData(ManifestFormat.Json)]
    public void Written_lists_read_back_to_the_same_objects(ManifestFormat format)
    {
        var original = Read(Topology + "\n---\n" + Vm);
        var tricky = original.VirtualMachines[0].Resource;
        tricky.Spec.NodeSelector!["flag"] = "true";
        tricky.Spec.NodeSelector["yes"] = "yes";
        tricky.Spec.NodeSelector["empty"] = string.Empty;
        tricky.Spec.NodeSelector["time"] = "12:30";
        tricky.Spec.Boot = new BootSpec { Kernel = "vmlinuz", Cmdline = "console=ttyS0 # not a comment: \"quoted\"\nsecond line" };
        var objects = new object[] { original.Topologies[0].Resource, tricky };

        var writer = new StringWriter();
        ManifestWriter.WriteList(objects, format, writer);
        var back = Read(writer.ToString(), format == ManifestFormat.Json ? "out.json" : "out.yaml");

        Assert.Equal(JsonSerializer.Serialize(original.Topologies[0].Resource, KubeJson.Options), JsonSerializer.Serialize(back.Topologies[0].Resource, KubeJson.Options));
        Assert.Equal(JsonSerializer.Serialize(tricky, KubeJson.Options), JsonSerializer.Serialize(back.VirtualMachines[0].Resource, KubeJson.Options));
        Assert.Contains("kind: List", format == ManifestFormat.Yaml ? writer.ToString() : "kind: List", StringComparison.Ordinal);
    }

    [Fact]
    public void Times_are_written_as_rfc3339_utc_seconds()
    {
        var topology = new NumaNodeTopology { Status = new NumaNodeTopologyStatus { HeartbeatTime = new DateTime(2026, 11, 29, 10, 0, 0, 123, DateTimeKind.Utc) } };

        Assert.Contains("\"heartbeatTime\":\"2026-11-29T10:00:00Z\"", JsonSerializer.Serialize(topology, KubeJson.Options), StringComparison.Ordinal);
    }
}
