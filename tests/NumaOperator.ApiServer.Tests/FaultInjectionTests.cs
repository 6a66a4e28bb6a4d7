using System.Diagnostics;
using System.Net;
using k8s.Autorest;
using k8s.Models;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.ApiServer.Tests;

/// <summary>Faults switched on at run time reach the client as the real server would send them.</summary>
public sealed class FaultInjectionTests
{
    [Fact]
    public async Task Injected_conflicts_errors_and_latency_reach_the_client()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);
        var vms = TestServer.Vms(client);

        server.Faults.FailNextWritesWithConflict(1);
        var conflict = await Assert.ThrowsAsync<HttpOperationException>(() => vms.CreateNamespacedAsync(TestServer.Vm("a"), "default"));
        Assert.Equal(HttpStatusCode.Conflict, conflict.Response.StatusCode);
        await vms.CreateNamespacedAsync(TestServer.Vm("a"), "default");

        server.Faults.FailNextRequests(1);
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => vms.ReadNamespacedAsync<NumaVirtualMachine>("default", "a"));
        Assert.Equal(HttpStatusCode.InternalServerError, error.Response.StatusCode);
        Assert.Equal("a", (await vms.ReadNamespacedAsync<NumaVirtualMachine>("default", "a")).Metadata.Name);

        server.Faults.Latency = TimeSpan.FromMilliseconds(300);
        var watch = Stopwatch.StartNew();
        await vms.ReadNamespacedAsync<NumaVirtualMachine>("default", "a");
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(290), $"latency not applied: {watch.Elapsed}");
        Assert.Equal(2, server.Faults.Injected);
    }

    [Fact]
    public async Task Strategic_merge_on_a_custom_resource_is_415_and_json_patch_works()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);
        var vms = TestServer.Vms(client);
        await vms.CreateNamespacedAsync(TestServer.Vm("a"), "default");

        var strategic = await Assert.ThrowsAsync<HttpOperationException>(() => vms.PatchNamespacedAsync<NumaVirtualMachine>(
            new V1Patch("""{"spec":{"cpu":{"cores":3}}}""", V1Patch.PatchType.StrategicMergePatch), "default", "a"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, strategic.Response.StatusCode);

        var patched = await vms.PatchNamespacedAsync<NumaVirtualMachine>(
            new V1Patch("""[{"op":"test","path":"/spec/cpu/cores","value":2},{"op":"replace","path":"/spec/cpu/cores","value":3}]""", V1Patch.PatchType.JsonPatch), "default", "a");
        Assert.Equal(3, patched.Spec.Cpu.Cores);

        var failedTest = await Assert.ThrowsAsync<HttpOperationException>(() => vms.PatchNamespacedAsync<NumaVirtualMachine>(
            new V1Patch("""[{"op":"test","path":"/spec/cpu/cores","value":2}]""", V1Patch.PatchType.JsonPatch), "default", "a"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, failedTest.Response.StatusCode);

        var stale = await Assert.ThrowsAsync<HttpOperationException>(() => vms.PatchNamespacedAsync<NumaVirtualMachine>(
            new V1Patch("""{"metadata":{"resourceVersion":"1"},"spec":{"cpu":{"cores":5}}}""", V1Patch.PatchType.MergePatch), "default", "a"));
        Assert.Equal(HttpStatusCode.Conflict, stale.Response.StatusCode);
    }
}
