using System.Text.Json;
using k8s;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ApiServer;
using NumaOperator.Cli;
using NumaOperator.Cli.Standalone;

namespace NumaOperator.Standalone.Tests;

/// <summary>--apply against the embedded API server over HTTP: create, unchanged, configured, and bad input that changes nothing.</summary>
public sealed class ManifestApplierTests : IAsyncLifetime, IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("numaop-apply-").FullName;
    private EmbeddedApiServer server = null!;
    private Kubernetes client = null!;

    public async Task InitializeAsync()
    {
        server = await EmbeddedApiServer.StartAsync(new ApiServerOptions());
        client = new Kubernetes(server.ClientConfiguration());
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        await server.DisposeAsync();
        Directory.Delete(dir, recursive: true);
    }

    public void Dispose() => client?.Dispose();

    [Fact]
    public async Task Apply_creates_then_leaves_unchanged_then_configures_a_changed_spec()
    {
        var file = Write("vm.yaml", Vm("db1", "prod", cores: 2, label: "a"));
        var applier = new ManifestApplier(client);
        Assert.Equal(["numavirtualmachine/prod/db1 created"], (await applier.ApplyAsync(ManifestApplier.Read([file]), default)).Select(a => a.ToString()));
        Assert.Equal(["numavirtualmachine/prod/db1 unchanged"], (await applier.ApplyAsync(ManifestApplier.Read([file]), default)).Select(a => a.ToString()));

        Write("vm.yaml", Vm("db1", "prod", cores: 4, label: "b"));
        Assert.Equal(["numavirtualmachine/prod/db1 configured"], (await applier.ApplyAsync(ManifestApplier.Read([file]), default)).Select(a => a.ToString()));
        var vm = await Get("prod", "db1");
        Assert.Equal(4, vm.Spec.Cpu.Cores);
        Assert.Equal(2, vm.Metadata.Generation);
        Assert.Equal("b", vm.Metadata.Labels["tier"]);
    }

    [Fact]
    public async Task A_directory_applies_its_manifests_in_name_order_and_a_topology_spec_too()
    {
        Write("b-vm.yaml", Vm("two", "default", cores: 1, label: "x"));
        Write("a-vm.yml", Vm("one", "default", cores: 1, label: "x"));
        Write("c-nnt.json", """{"apiVersion":"numaoperator.io/v1alpha1","kind":"NumaNodeTopology","metadata":{"name":"host-a"},"spec":{"reservedCpus":"0"}}""");
        Write("notes.txt", "not a manifest");
        var applied = await new ManifestApplier(client).ApplyAsync(ManifestApplier.Read(ManifestApplier.ExpandPaths([dir])), default);
        Assert.Equal(["numanodetopology/host-a created", "numavirtualmachine/default/one created", "numavirtualmachine/default/two created"], applied.Select(a => a.ToString()));
    }

    [Fact]
    public async Task A_bad_document_anywhere_means_nothing_is_applied()
    {
        var good = Write("a.yaml", Vm("fine", "default", cores: 1, label: "x"));
        var bad = Write("b.yaml", Vm("broken", "default", cores: 2000, label: "x"));
        var e = Assert.Throws<BadInputException>(() => ManifestApplier.Read([good, bad]));
        Assert.Contains(bad + ": document 1", e.Message, StringComparison.Ordinal);
        Assert.Contains("spec.cpu.cores", e.Message, StringComparison.Ordinal);
        var listed = await client.CustomObjects.ListClusterCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural);
        Assert.Empty(KubernetesJson.Deserialize<NumaVirtualMachineList>(JsonSerializer.Serialize(listed)).Items);
    }

    [Fact]
    public void Node_documents_and_duplicates_are_refused()
    {
        var node = Write("node.yaml", "apiVersion: v1\nkind: Node\nmetadata:\n  name: n1\n");
        Assert.Contains("kind Node is not applied by standalone", Assert.Throws<BadInputException>(() => ManifestApplier.Read([node])).Message, StringComparison.Ordinal);
        var twice = Write("twice.yaml", Vm("x", "default", 1, "a") + "\n---\n" + Vm("x", "default", 2, "a"));
        Assert.Contains("default/x appears twice", Assert.Throws<BadInputException>(() => ManifestApplier.Read([twice])).Message, StringComparison.Ordinal);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string Vm(string name, string ns, int cores, string label) => $"""
        apiVersion: numaoperator.io/v1alpha1
        kind: NumaVirtualMachine
        metadata:
          name: {name}
          namespace: {ns}
          labels:
            tier: {label}
        spec:
          cpu:
            cores: {cores}
          memory:
            size: 64Mi
            hugepages:
              pageSize: 2Mi
        """;

    private async Task<NumaVirtualMachine> Get(string ns, string name)
    {
        var found = await client.CustomObjects.GetNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, ns, NumaVirtualMachine.Plural, name);
        return KubernetesJson.Deserialize<NumaVirtualMachine>(JsonSerializer.Serialize(found));
    }
}
