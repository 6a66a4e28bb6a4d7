using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ApiServer.Http;

namespace NumaOperator.ApiServer.Tests;

/// <summary>
/// `kind: List` manifests (what `kubectl get -o yaml` writes) with kubectl's validation on: kubectl never leaves a
/// List to the server's fieldValidation and validates its items against /openapi/v2 (protobuf) on the client, so the
/// embedded server serves that document, built from the same schemas as /openapi/v3.
/// </summary>
public sealed class KubectlListTests
{
    private const string TwoVms = """
        apiVersion: v1
        kind: List
        items:
        - apiVersion: numaoperator.io/v1alpha1
          kind: NumaVirtualMachine
          metadata: {name: db1, labels: {tier: db}}
          spec:
            cpu: {cores: 2}
            memory: {size: 1Gi, hugepages: {pageSize: 2Mi}}
            nodeSelector: {kubernetes.io/hostname: worker-7}
        - apiVersion: numaoperator.io/v1alpha1
          kind: NumaVirtualMachine
          metadata: {name: web1}
          spec:
            running: false
            cpu: {cores: 1}
            memory: {size: 64Mi}
            numa: {nodes: "0-1", policy: Preferred}
        """;

    public static TheoryData<string> Versions => new() { "1.32", "1.33" };

    [SkippableTheory]
    [MemberData(nameof(Versions))]
    public async Task A_list_applies_with_validation_on_and_get_delete_apply_round_trips_it(string version)
    {
        var binary = Kubectl.Find(version);
        Skip.If(binary is null, Kubectl.MissingReason(version));
        await Kubectl.WithServerAsync(binary!, async (kubectl, server, dir) =>
        {
            using var client = TestServer.Client(server);
            await File.WriteAllTextAsync(Path.Combine(dir, "list.yaml"), TwoVms);

            var applied = await kubectl.OkAsync("apply", "-f", "list.yaml");
            Assert.Contains("numavirtualmachine.numaoperator.io/db1 created", applied, StringComparison.Ordinal);
            Assert.Contains("numavirtualmachine.numaoperator.io/web1 created", applied, StringComparison.Ordinal);

            // What the controller and agent write lands in the export too (and is ignored by the create).
            await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
                new V1Patch("""{"status":{"phase":"Pending","observedGeneration":1,"conditions":[{"type":"Reconciling","status":"True","reason":"Unschedulable","message":"waiting for capacity","lastTransitionTime":"2026-01-01T00:00:00Z","observedGeneration":1}]}}""", V1Patch.PatchType.MergePatch),
                ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "db1");
            var before = await SpecsAsync(client);

            var exported = await kubectl.OkAsync("get", "nvm", "-o", "yaml");
            Assert.StartsWith("apiVersion: v1\nitems:", exported, StringComparison.Ordinal);
            Assert.Contains("kind: List", exported, StringComparison.Ordinal);
            Assert.Contains("resourceVersion:", exported, StringComparison.Ordinal);
            Assert.Contains("reason: Unschedulable", exported, StringComparison.Ordinal);
            await File.WriteAllTextAsync(Path.Combine(dir, "exported.yaml"), exported);
            Assert.Contains("deleted", await kubectl.OkAsync("delete", "nvm", "--all"), StringComparison.Ordinal);
            Assert.Empty(await SpecsAsync(client));

            var reapplied = await kubectl.OkAsync("apply", "-f", "exported.yaml");
            Assert.Contains("numavirtualmachine.numaoperator.io/db1 created", reapplied, StringComparison.Ordinal);
            Assert.Contains("numavirtualmachine.numaoperator.io/web1 created", reapplied, StringComparison.Ordinal);
            Assert.Equal(before, await SpecsAsync(client));
            var db1 = await TestServer.Vms(client).ReadNamespacedAsync<NumaVirtualMachine>("default", "db1");
            Assert.Null(db1.Status); // status is the controller's and the agents': a create ignores it
        });
    }

    [SkippableTheory]
    [MemberData(nameof(Versions))]
    public async Task An_unknown_field_in_a_list_item_is_refused_by_kubectl_naming_it_and_nothing_is_stored(string version)
    {
        var binary = Kubectl.Find(version);
        Skip.If(binary is null, Kubectl.MissingReason(version));
        await Kubectl.WithServerAsync(binary!, async (kubectl, server, dir) =>
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "list.yaml"), TwoVms.Replace("cpu: {cores: 1}", "cpu: {cores: 1, sockets: 2}", StringComparison.Ordinal));

            var (code, stdout, stderr) = await kubectl.RunAsync("apply", "-f", "list.yaml");

            Assert.NotEqual(0, code);
            Assert.Contains("unknown field \"sockets\" in io.numaoperator.v1alpha1.NumaVirtualMachine.spec.cpu", stderr + stdout, StringComparison.Ordinal);
            using var client = TestServer.Client(server);
            Assert.Empty(await SpecsAsync(client));
        });
    }

    [Fact]
    public void The_v2_document_defines_every_kind_by_group_version_kind_with_v2_references()
    {
        var v3 = new JsonObject
        {
            ["components"] = new JsonObject
            {
                ["schemas"] = new JsonObject
                {
                    ["io.example.v1.Thing"] = JsonNode.Parse("""
                        {"type":"object","x-kubernetes-group-version-kind":[{"group":"example.io","kind":"Thing","version":"v1"}],
                         "properties":{"metadata":{"allOf":[{"$ref":"#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}],"description":"meta"},
                                       "maybe":{"type":"string","nullable":true},"either":{"anyOf":[{"type":"integer"},{"type":"string"}],"x-kubernetes-int-or-string":true}}}
                        """),
                },
            },
        };

        var v2 = OpenApiV2Document.Build([v3], "v1.32.0");

        Assert.Equal("2.0", (string?)v2["swagger"]);
        var thing = v2["definitions"]!["io.example.v1.Thing"]!;
        Assert.Equal("#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", (string?)thing["properties"]!["metadata"]!["$ref"]);
        Assert.Null(thing["properties"]!["maybe"]!["type"]); // nullable: v2 cannot say it, so any type is let through
        Assert.Null(thing["properties"]!["either"]!["anyOf"]);
        Assert.Equal("Thing", (string?)thing["x-kubernetes-group-version-kind"]![0]!["kind"]);
        Assert.NotEmpty(OpenApiV2Document.ToProtobuf(v2));
    }

    /// <summary>name → spec (as JSON) and labels of every VM, what a round trip must keep.</summary>
    private static async Task<Dictionary<string, string>> SpecsAsync(Kubernetes client) =>
        (await TestServer.Vms(client).ListNamespacedAsync<NumaVirtualMachineList>("default")).Items
            .ToDictionary(v => v.Metadata.Name, v => KubernetesJson.Serialize(new { v.Spec, v.Metadata.Labels }));
}
