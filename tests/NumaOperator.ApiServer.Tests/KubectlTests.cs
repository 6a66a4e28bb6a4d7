using System.Net;
using k8s.Autorest;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.ApiServer.Tests;

/// <summary>The real kubectl (1.32 and, when fetched, 1.33) against the embedded server.</summary>
public sealed class KubectlTests
{
    private const string Vm = """
        apiVersion: numaoperator.io/v1alpha1
        kind: NumaVirtualMachine
        metadata:
          name: db1
          labels: {tier: db}
        spec:
          running: true
          cpu: {cores: 2}
          memory:
            size: 1Gi
            hugepages: {pageSize: 2Mi}
        """;

    public static TheoryData<string> Versions => new() { "1.32", "1.33" };

    /// <summary>Invalid manifests (the spec part) and the field kubectl must print for each.</summary>
    private static readonly (string Spec, string Field)[] BadSpecs =
    [
        ("spec:\n  cpu: {cores: 0}\n  memory: {size: 1Gi}", "spec.cpu.cores"),
        ("spec:\n  cpu: {cores: 2}\n  memory: {size: 3Mi, hugepages: {pageSize: 2Mi}}", "spec.memory.size"),
        ("spec:\n  cpu: {cores: 2}\n  memory: {size: 1Gi, hugepages: {pageSize: 4Mi}}", "spec.memory.hugepages.pageSize"),
        ("spec:\n  cpu: {cores: 2}\n  memory: {size: 1Gi}\n  numa: {policy: Loose}", "spec.numa.policy"),
        ("spec:\n  cpu: {cores: 2}\n  memory: {size: 2Gi}\n  numa: {nodes: \"1\", guestNodes: 2}", "spec.numa.guestNodes"),
        ("spec:\n  cpu: {cores: four}\n  memory: {size: 1Gi}", "spec.cpu.cores"),
        ("spec:\n  cpu: {cores: 2}\n  memory: {size: 1Gi}\n  boot: {kernel: ../../etc/shadow}", "spec.boot.kernel"),
    ];

    public static TheoryData<string, string, string> BadInputs
    {
        get
        {
            var data = new TheoryData<string, string, string>();
            foreach (var version in new[] { "1.32", "1.33" })
            {
                foreach (var (spec, badField) in BadSpecs)
                {
                    data.Add(version, spec, badField);
                }
            }

            return data;
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Versions))]
    public async Task Apply_get_explain_patch_label_wait_delete(string version)
    {
        var binary = Kubectl.Find(version);
        Skip.If(binary is null, Kubectl.MissingReason(version));
        await Kubectl.WithServerAsync(binary!, async (kubectl, server, dir) =>
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "vm.yaml"), Vm);

            // Typed kubectl commands post protobuf: create namespace must work too.
            Assert.Contains("namespace/lab created", await kubectl.OkAsync("create", "namespace", "lab"), StringComparison.Ordinal);
            Assert.Contains("Active", await kubectl.OkAsync("get", "ns", "lab"), StringComparison.Ordinal);
            Assert.Contains("numavirtualmachines.numaoperator.io", await kubectl.OkAsync("get", "crd"), StringComparison.Ordinal);

            Assert.Contains("numavirtualmachine.numaoperator.io/db1 created", await kubectl.OkAsync("apply", "-f", "vm.yaml"), StringComparison.Ordinal);
            Assert.Contains("unchanged", await kubectl.OkAsync("apply", "-f", "vm.yaml"), StringComparison.Ordinal);
            await File.WriteAllTextAsync(Path.Combine(dir, "vm.yaml"), Vm.Replace("cores: 2", "cores: 3", StringComparison.Ordinal));
            Assert.Contains("configured", await kubectl.OkAsync("apply", "-f", "vm.yaml"), StringComparison.Ordinal);

            var table = await kubectl.OkAsync("get", "nvm");
            var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(["NAME", "PHASE", "NODE", "NUMA", "VCPUS", "MEMORY", "LOCAL", "AGE"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("db1", lines[1], StringComparison.Ordinal);
            Assert.Contains(" 3 ", lines[1], StringComparison.Ordinal);
            Assert.Contains("1Gi", lines[1], StringComparison.Ordinal);

            var yaml = await kubectl.OkAsync("get", "numavirtualmachine", "db1", "-o", "yaml");
            Assert.Contains("generation: 2", yaml, StringComparison.Ordinal);
            Assert.Contains("cores: 3", yaml, StringComparison.Ordinal);
            Assert.Contains("kubectl.kubernetes.io/last-applied-configuration", yaml, StringComparison.Ordinal);

            var explain = await kubectl.OkAsync("explain", "nvm");
            Assert.Contains("KIND:       NumaVirtualMachine", explain, StringComparison.Ordinal);
            Assert.Contains("measured on host NUMA nodes", explain, StringComparison.Ordinal);
            var explainField = await kubectl.OkAsync("explain", "nvm.spec.memory.hugepages.pageSize");
            Assert.Contains("FIELD: pageSize <string>", explainField, StringComparison.Ordinal);
            Assert.Contains("2Mi", explainField, StringComparison.Ordinal);

            await kubectl.OkAsync("label", "nvm", "db1", "zone=a");
            Assert.Contains("db1", await kubectl.OkAsync("get", "nvm", "-l", "zone=a,tier in (db)"), StringComparison.Ordinal);
            Assert.Contains("No resources found", (await kubectl.RunAsync("get", "nvm", "-l", "zone=b")).Stderr, StringComparison.Ordinal);

            await kubectl.OkAsync("patch", "nvm", "db1", "--type=merge", "-p", """{"spec":{"running":false}}""");
            Assert.Equal("false", await kubectl.OkAsync("get", "nvm", "db1", "-o", "jsonpath={.spec.running}"));

            var wait = kubectl.RunAsync("wait", "--for=condition=Ready", "nvm/db1", "--timeout=30s");
            await Task.Delay(300);
            await kubectl.OkAsync(
                "patch", "nvm", "db1", "--subresource=status", "--type=merge", "-p",
                """{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True","reason":"Running","message":"up","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}""");
            var (waitCode, waitOut, waitErr) = await wait;
            Assert.True(waitCode == 0, waitErr);
            Assert.Contains("condition met", waitOut, StringComparison.Ordinal);
            Assert.Contains("Running", await kubectl.OkAsync("get", "nvm", "db1"), StringComparison.Ordinal);

            Assert.Contains("deleted", await kubectl.OkAsync("delete", "-f", "vm.yaml"), StringComparison.Ordinal);
            using var client = TestServer.Client(server);
            var gone = await Assert.ThrowsAsync<HttpOperationException>(() => TestServer.Vms(client).ReadNamespacedAsync<NumaVirtualMachine>("default", "db1"));
            Assert.Equal(HttpStatusCode.NotFound, gone.Response.StatusCode);
        });
    }

    [SkippableTheory]
    [MemberData(nameof(Versions))]
    public async Task Unknown_field_is_a_strict_decoding_error_and_stores_nothing(string version)
    {
        var binary = Kubectl.Find(version);
        Skip.If(binary is null, Kubectl.MissingReason(version));
        await Kubectl.WithServerAsync(binary!, async (kubectl, server, dir) =>
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "vm.yaml"), Vm.Replace("running: true", "running: true\n  colour: blue", StringComparison.Ordinal));
            var before = server.ResourceVersion;

            var (code, _, stderr) = await kubectl.RunAsync("apply", "-f", "vm.yaml");

            Assert.NotEqual(0, code);
            Assert.Contains("strict decoding error: unknown field \"spec.colour\"", stderr, StringComparison.Ordinal);
            Assert.Equal(before, server.ResourceVersion);

            // With validation off the server prunes the field, as the real one does.
            await kubectl.OkAsync("apply", "--validate=false", "-f", "vm.yaml");
            var spec = await kubectl.OkAsync("get", "nvm", "db1", "-o", "jsonpath={.spec}");
            Assert.Contains("\"cores\":2", spec, StringComparison.Ordinal);
            Assert.DoesNotContain("colour", spec, StringComparison.Ordinal);
        });
    }

    [SkippableTheory]
    [MemberData(nameof(BadInputs))]
    public async Task Invalid_manifest_prints_the_field_and_stores_nothing(string version, string spec, string field)
    {
        var binary = Kubectl.Find(version);
        Skip.If(binary is null, Kubectl.MissingReason(version));
        await Kubectl.WithServerAsync(binary!, async (kubectl, server, dir) =>
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "bad.yaml"), "apiVersion: numaoperator.io/v1alpha1\nkind: NumaVirtualMachine\nmetadata:\n  name: bad\n" + spec + "\n");
            var before = server.ResourceVersion;

            var (code, stdout, stderr) = await kubectl.RunAsync("apply", "-f", "bad.yaml");

            Assert.NotEqual(0, code);
            Assert.Contains("is invalid", stderr, StringComparison.Ordinal);
            Assert.Contains(field + ":", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("created", stdout, StringComparison.Ordinal);
            Assert.Equal(before, server.ResourceVersion);
        });
    }
}
