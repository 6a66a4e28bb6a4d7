using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Cli.Explaining;

namespace NumaOperator.Cli.Migrating;

/// <summary>
/// The requests of <c>numa-operator drain|uncordon</c>: NumaNodeTopology spec.evacuate, the Node's cordon
/// (spec.unschedulable, as kubectl cordon), and the VMs still on the node.
/// </summary>
public sealed class NodeEvacuationApi(IKubernetes client, string server)
{
    /// <summary>Sets or clears spec.evacuate (merge patch; null removes it).</summary>
    public Task<NumaNodeTopology> SetEvacuateAsync(string node, bool evacuate, CancellationToken ct) =>
        ApiFailures.RunAsync(
            server,
            $"{NumaNodeTopology.KubeKind} \"{node}\" not found: no numa-operator agent has published node \"{node}\"",
            () => client.CustomObjects.PatchClusterCustomObjectAsync<NumaNodeTopology>(
                new V1Patch(evacuate ? "{\"spec\":{\"evacuate\":true}}" : "{\"spec\":{\"evacuate\":null}}", V1Patch.PatchType.MergePatch),
                ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, node, cancellationToken: ct),
            ct);

    /// <summary>Cordons (or uncordons) the Kubernetes Node; false when there is no Node object of that name (a standalone setup).</summary>
    public async Task<bool> SetCordonAsync(string node, bool cordon, CancellationToken ct)
    {
        try
        {
            await ApiFailures.RunAsync(
                server,
                $"Node \"{node}\" not found",
                () => client.CoreV1.PatchNodeAsync(new V1Patch(cordon ? "{\"spec\":{\"unschedulable\":true}}" : "{\"spec\":{\"unschedulable\":null}}", V1Patch.PatchType.MergePatch), node, cancellationToken: ct),
                ct);
            return true;
        }
        catch (ExplainFailedException e) when (e.InnerException is HttpOperationException { Response.StatusCode: HttpStatusCode.NotFound })
        {
            return false;
        }
    }

    public Task<NumaNodeTopology> ReadTopologyAsync(string node, CancellationToken ct) =>
        ApiFailures.RunAsync(
            server,
            $"{NumaNodeTopology.KubeKind} \"{node}\" not found (deleted during the drain)",
            () => client.CustomObjects.GetClusterCustomObjectAsync<NumaNodeTopology>(ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, node, ct),
            ct);

    /// <summary>NAMESPACE/NAME of every VM whose status.nodeName is <paramref name="node"/>.</summary>
    public Task<IReadOnlyList<string>> VmsOnAsync(string node, CancellationToken ct) =>
        ApiFailures.RunAsync<IReadOnlyList<string>>(
            server,
            $"the API server does not serve {NumaVirtualMachine.Plural} (are the numa-operator CRDs installed?)",
            async () =>
            {
                var list = await client.CustomObjects.ListClusterCustomObjectAsync<NumaVirtualMachineList>(ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural, cancellationToken: ct);
                return [.. list.Items.Where(vm => vm.Status?.NodeName == node).Select(vm => vm.Key).Order(StringComparer.Ordinal)];
            },
            ct);
}
