using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.ApiServer.Tests;

/// <summary>The real KubernetesClient over HTTP: CRUD, conflicts, generation, status subresource, finalizers, selectors, dry-run.</summary>
public sealed class ClientCrudTests
{
    [Fact]
    public async Task Create_get_list_replace_delete_round_trip()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);
        var vms = TestServer.Vms(client);

        var created = await vms.CreateNamespacedAsync(TestServer.Vm("db1"), "default");
        Assert.Equal(1, created.Metadata.Generation);
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.NotNull(created.Metadata.CreationTimestamp);
        Assert.False(string.IsNullOrEmpty(created.Metadata.ResourceVersion));

        var read = await vms.ReadNamespacedAsync<NumaVirtualMachine>("default", "db1");
        Assert.Equal(created.Metadata.Uid, read.Metadata.Uid);
        Assert.Equal("1Gi", read.Spec.Memory.Size);

        read.Spec.Cpu.Cores = 4;
        var replaced = await vms.ReplaceNamespacedAsync(read, "default", "db1");
        Assert.Equal(2, replaced.Metadata.Generation);
        Assert.True(long.Parse(replaced.Metadata.ResourceVersion) > long.Parse(created.Metadata.ResourceVersion));

        var list = await vms.ListNamespacedAsync<NumaVirtualMachineList>("default");
        Assert.Equal(["db1"], list.Items.Select(i => i.Metadata.Name));
        Assert.False(string.IsNullOrEmpty(list.Metadata.ResourceVersion));

        await vms.DeleteNamespacedAsync<NumaVirtualMachine>("default", "db1");
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => vms.ReadNamespacedAsync<NumaVirtualMachine>("default", "db1"));
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
        Assert.Contains("numavirtualmachines.numaoperator.io \\\"db1\\\" not found", missing.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stale_update_is_conflict_and_duplicate_create_is_already_exists()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);
        var vms = TestServer.Vms(client);
        var first = await vms.CreateNamespacedAsync(TestServer.Vm("db1"), "default");

        var duplicate = await Assert.ThrowsAsync<HttpOperationException>(() => vms.CreateNamespacedAsync(TestServer.Vm("db1"), "default"));
        Assert.Equal(HttpStatusCode.Conflict, duplicate.Response.StatusCode);
        Assert.Contains("AlreadyExists", duplicate.Response.Content, StringComparison.Ordinal);

        var fresh = await vms.ReadNamespacedAsync<NumaVirtualMachine>("default", "db1");
        fresh.Spec.Cpu.Cores = 3;
        await vms.ReplaceNamespacedAsync(fresh, "default", "db1");

        first.Spec.Cpu.Cores = 8;
        var stale = await Assert.ThrowsAsync<HttpOperationException>(() => vms.ReplaceNamespacedAsync(first, "default", "db1"));
        Assert.Equal(HttpStatusCode.Conflict, stale.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(stale.Response.Content);
        Assert.Equal("Conflict", status.Reason);
        Assert.Equal(
            "Operation cannot be fulfilled on numavirtualmachines.numaoperator.io \"db1\": the object has been modified; please apply your changes to the latest version and try again",
            status.Message);
        Assert.Equal(3, (await vms.ReadNamespacedAsync<NumaVirtualMachine>("default", "db1")).Spec.Cpu.Cores);
    }

    [Fact]
    public async Task Status_subresource_and_generation_follow_the_real_server()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);
        var vms = TestServer.Vms(client);
        var vm = TestServer.Vm("db1");
        vm.Status = new NumaVirtualMachineStatus { Phase = "Running" };
        var created = await vms.CreateNamespacedAsync(vm, "default");
        Assert.Null(created.Status);

        // The main resource ignores status; an unchanged spec keeps the generation.
        created.Status = new NumaVirtualMachineStatus { Phase = "Running" };
        created.Metadata.Labels = new Dictionary<string, string> { ["tier"] = "db" };
        var relabeled = await vms.ReplaceNamespacedAsync(created, "default", "db1");
        Assert.Null(relabeled.Status);
        Assert.Equal(1, relabeled.Metadata.Generation);
        Assert.Equal("db", relabeled.Metadata.Labels["tier"]);

        // /status ignores everything but status and never moves the generation.
        var statusPatch = new V1Patch("""{"status":{"phase":"Scheduled","observedGeneration":1},"spec":{"cpu":{"cores":64}}}""", V1Patch.PatchType.MergePatch);
        var afterStatus = KubernetesJson.Deserialize<NumaVirtualMachine>(KubernetesJson.Serialize(
            await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(statusPatch, ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "db1")));
        Assert.Equal("Scheduled", afterStatus.Status?.Phase);
        Assert.Equal(2, afterStatus.Spec.Cpu.Cores);
        Assert.Equal(1, afterStatus.Metadata.Generation);

        var specPatch = new V1Patch("""{"spec":{"cpu":{"cores":6}},"status":{"phase":"Failed"}}""", V1Patch.PatchType.MergePatch);
        var afterSpec = await vms.PatchNamespacedAsync<NumaVirtualMachine>(specPatch, "default", "db1");
        Assert.Equal(6, afterSpec.Spec.Cpu.Cores);
        Assert.Equal("Scheduled", afterSpec.Status?.Phase);
        Assert.Equal(2, afterSpec.Metadata.Generation);
    }

    [Fact]
    public async Task Finalizers_hold_deletion_until_the_last_is_removed()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);
        var vms = TestServer.Vms(client);
        var vm = TestServer.Vm("db1");
        vm.Metadata.Finalizers = [ApiGroup.Finalizer];
        await vms.CreateNamespacedAsync(vm, "default");

        var deleting = await vms.DeleteNamespacedAsync<NumaVirtualMachine>("default", "db1");
        Assert.NotNull(deleting.Metadata.DeletionTimestamp);
        Assert.Equal(0, deleting.Metadata.DeletionGracePeriodSeconds);
        var still = await vms.ReadNamespacedAsync<NumaVirtualMachine>("default", "db1");
        Assert.NotNull(still.Metadata.DeletionTimestamp);

        var removeFinalizer = new V1Patch("""[{"op":"remove","path":"/metadata/finalizers/0"}]""", V1Patch.PatchType.JsonPatch);
        await vms.PatchNamespacedAsync<NumaVirtualMachine>(removeFinalizer, "default", "db1");
        var gone = await Assert.ThrowsAsync<HttpOperationException>(() => vms.ReadNamespacedAsync<NumaVirtualMachine>("default", "db1"));
        Assert.Equal(HttpStatusCode.NotFound, gone.Response.StatusCode);
    }

    [Fact]
    public async Task Label_selectors_field_selectors_and_all_namespace_lists()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "lab" } });
        var vms = TestServer.Vms(client);
        await vms.CreateNamespacedAsync(TestServer.Vm("a", labels: new Dictionary<string, string> { ["tier"] = "db", ["zone"] = "1" }), "default");
        await vms.CreateNamespacedAsync(TestServer.Vm("b", labels: new Dictionary<string, string> { ["tier"] = "web" }), "default");
        var c = TestServer.Vm("c", labels: new Dictionary<string, string> { ["tier"] = "db" });
        c.Metadata.NamespaceProperty = "lab";
        await vms.CreateNamespacedAsync(c, "lab");

        async Task<string[]> Names(string? ns, string? labels = null, string? fields = null)
        {
            var result = ns is null
                ? await client.CustomObjects.ListClusterCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural, labelSelector: labels, fieldSelector: fields)
                : await client.CustomObjects.ListNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, ns, NumaVirtualMachine.Plural, labelSelector: labels, fieldSelector: fields);
            return [.. KubernetesJson.Deserialize<NumaVirtualMachineList>(KubernetesJson.Serialize(result)).Items.Select(i => i.Metadata.Name)];
        }

        Assert.Equal(["a", "b", "c"], (await Names(null)).Order());
        Assert.Equal(["a", "b"], await Names("default"));
        Assert.Equal(["a", "c"], (await Names(null, "tier=db")).Order());
        Assert.Equal(["a", "c"], (await Names(null, "tier==db")).Order());
        Assert.Equal(["b"], await Names(null, "tier!=db"));
        Assert.Equal(["a", "b"], await Names("default", "tier in (db,web)"));
        Assert.Equal(["b"], await Names("default", "tier notin (db)"));
        Assert.Equal(["a"], await Names(null, "zone"));
        Assert.Equal(["b", "c"], (await Names(null, "!zone")).Order());
        Assert.Equal(["a"], await Names(null, "tier=db,zone=1"));
        Assert.Equal(["c"], await Names(null, fields: "metadata.namespace=lab"));
        Assert.Equal(["b"], await Names("default", fields: "metadata.name=b"));

        var bad = await Assert.ThrowsAsync<HttpOperationException>(() => Names(null, "tier in db"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.Response.StatusCode);
    }

    [Fact]
    public async Task Dry_run_validates_but_stores_nothing()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);
        var before = server.ResourceVersion;
        var result = await client.CustomObjects.CreateNamespacedCustomObjectAsync(
            TestServer.Vm("dry"), ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, dryRun: "All");
        Assert.Contains("\"dry\"", KubernetesJson.Serialize(result), StringComparison.Ordinal);
        Assert.Equal(before, server.ResourceVersion);
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => TestServer.Vms(client).ReadNamespacedAsync<NumaVirtualMachine>("default", "dry"));
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);

        var invalid = await Assert.ThrowsAsync<HttpOperationException>(() => client.CustomObjects.CreateNamespacedCustomObjectAsync(
            TestServer.Vm("dry", cores: 0), ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, dryRun: "All"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.Response.StatusCode);
    }

    [Fact]
    public async Task Validation_core_rejects_with_422_and_field_causes()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);
        var vms = TestServer.Vms(client);
        var before = server.ResourceVersion;
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => vms.CreateNamespacedAsync(TestServer.Vm("bad", cores: 0, size: "3Mi"), "default"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(error.Response.Content);
        Assert.Equal("Invalid", status.Reason);
        Assert.StartsWith("NumaVirtualMachine.numaoperator.io \"bad\" is invalid: [", status.Message, StringComparison.Ordinal);
        var fields = status.Details.Causes.Select(c => c.Field).ToList();
        Assert.Contains("spec.cpu.cores", fields);
        Assert.Contains("spec.memory.size", fields);
        Assert.Equal(before, server.ResourceVersion);
    }

    [Fact]
    public async Task Unauthenticated_requests_get_401()
    {
        await using var server = await TestServer.StartAsync();
        var wrongToken = server.ClientConfiguration();
        wrongToken.AccessToken = "wrong";
        using var anonymous = new Kubernetes(wrongToken);
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => anonymous.CoreV1.ListNamespaceAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, error.Response.StatusCode);

        using var client = TestServer.Client(server);
        var namespaces = await client.CoreV1.ListNamespaceAsync();
        Assert.Contains(namespaces.Items, n => n.Metadata.Name == "default");
        Assert.Contains(namespaces.Items, n => n.Metadata.Name == "kube-system");
    }
}
