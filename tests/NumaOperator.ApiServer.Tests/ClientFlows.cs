using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.ApiServer.Tests;

/// <summary>
/// Client flows run unchanged against the embedded server and against a real K3s, so both are held to one standard.
/// Each flow uses its own object names in the given namespace and cleans up after itself.
/// </summary>
internal static class ClientFlows
{
    /// <summary>Invalid specs and the field the rejection must name (the kubectl tests use the same set as YAML).</summary>
    public static IReadOnlyList<(string Name, Action<NumaVirtualMachineSpec> Break, string Field)> BadInputs { get; } =
    [
        ("zero-cores", s => s.Cpu.Cores = 0, "spec.cpu.cores"),
        ("too-many-cores", s => s.Cpu.Cores = 5000, "spec.cpu.cores"),
        ("odd-size", s => s.Memory.Size = "3Mi", "spec.memory.size"),
        ("page-size", s => s.Memory.Hugepages = new HugepagesSpec { PageSize = "4Mi" }, "spec.memory.hugepages.pageSize"),
        ("policy", s => s.Numa = new NumaSpec { Policy = "Loose" }, "spec.numa.policy"),
        ("guest-nodes", s => s.Numa = new NumaSpec { Nodes = "1", GuestNodes = 2 }, "spec.numa.guestNodes"),
        ("kernel-path", s => s.Boot = new BootSpec { Kernel = "../../etc/shadow" }, "spec.boot.kernel"),
    ];

    public static async Task CrudGenerationAndStatusAsync(Kubernetes client, string ns)
    {
        var vms = TestServer.Vms(client);
        var vm = TestServer.Vm("flow-crud");
        vm.Metadata.NamespaceProperty = ns;
        var created = await vms.CreateNamespacedAsync(vm, ns);
        Assert.Equal(1, created.Metadata.Generation);

        var statusPatch = new V1Patch("""{"status":{"phase":"Scheduled"},"spec":{"cpu":{"cores":64}}}""", V1Patch.PatchType.MergePatch);
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(statusPatch, ApiGroup.Group, ApiGroup.Version, ns, NumaVirtualMachine.Plural, "flow-crud");
        var afterStatus = await vms.ReadNamespacedAsync<NumaVirtualMachine>(ns, "flow-crud");
        Assert.Equal("Scheduled", afterStatus.Status?.Phase);
        Assert.Equal(2, afterStatus.Spec.Cpu.Cores);
        Assert.Equal(1, afterStatus.Metadata.Generation);

        var specPatch = new V1Patch("""{"spec":{"cpu":{"cores":4}},"status":{"phase":"Failed"}}""", V1Patch.PatchType.MergePatch);
        var afterSpec = await vms.PatchNamespacedAsync<NumaVirtualMachine>(specPatch, ns, "flow-crud");
        Assert.Equal(4, afterSpec.Spec.Cpu.Cores);
        Assert.Equal("Scheduled", afterSpec.Status?.Phase);
        Assert.Equal(2, afterSpec.Metadata.Generation);

        afterStatus.Spec.Cpu.Cores = 8;
        var stale = await Assert.ThrowsAsync<HttpOperationException>(() => vms.ReplaceNamespacedAsync(afterStatus, ns, "flow-crud"));
        Assert.Equal(HttpStatusCode.Conflict, stale.Response.StatusCode);
        Assert.Contains("the object has been modified; please apply your changes to the latest version and try again", stale.Response.Content, StringComparison.Ordinal);

        await vms.DeleteNamespacedAsync<NumaVirtualMachine>(ns, "flow-crud");
    }

    public static async Task FinalizersAsync(Kubernetes client, string ns)
    {
        var vms = TestServer.Vms(client);
        var vm = TestServer.Vm("flow-fin");
        vm.Metadata.NamespaceProperty = ns;
        vm.Metadata.Finalizers = [ApiGroup.Finalizer];
        await vms.CreateNamespacedAsync(vm, ns);
        await vms.DeleteNamespacedAsync<NumaVirtualMachine>(ns, "flow-fin");
        var deleting = await vms.ReadNamespacedAsync<NumaVirtualMachine>(ns, "flow-fin");
        Assert.NotNull(deleting.Metadata.DeletionTimestamp);
        await vms.PatchNamespacedAsync<NumaVirtualMachine>(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), ns, "flow-fin");
        var gone = await Assert.ThrowsAsync<HttpOperationException>(() => vms.ReadNamespacedAsync<NumaVirtualMachine>(ns, "flow-fin"));
        Assert.Equal(HttpStatusCode.NotFound, gone.Response.StatusCode);
    }

    /// <summary>Each bad input is rejected with 422 naming the field, and nothing is stored.</summary>
    public static async Task BadInputsAsync(Kubernetes client, string ns)
    {
        var vms = TestServer.Vms(client);
        foreach (var (name, breakSpec, field) in BadInputs)
        {
            var vm = TestServer.Vm("bad-" + name);
            vm.Metadata.NamespaceProperty = ns;
            breakSpec(vm.Spec);
            var error = await Assert.ThrowsAsync<HttpOperationException>(() => vms.CreateNamespacedAsync(vm, ns));
            Assert.True(error.Response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{name}: {(int)error.Response.StatusCode} {error.Response.Content}");
            var status = KubernetesJson.Deserialize<V1Status>(error.Response.Content);
            Assert.True(status.Details?.Causes?.Any(c => c.Field == field) == true, $"{name}: no cause on {field} in {error.Response.Content}");
            var missing = await Assert.ThrowsAsync<HttpOperationException>(() => vms.ReadNamespacedAsync<NumaVirtualMachine>(ns, "bad-" + name));
            Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
        }
    }
}
