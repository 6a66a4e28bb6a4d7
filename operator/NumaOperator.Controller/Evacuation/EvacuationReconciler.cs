using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;

namespace NumaOperator.Controller.Evacuation;

/// <summary>
/// Carries out <see cref="EvacuationPlan"/>: writes status.evacuation of every evacuating node (and clears it on nodes
/// no longer evacuating), then creates the migrations the plan chose. One key for the whole cluster, because the
/// per-cluster limit couples every node's evacuation; any change of a VM, topology or migration queues it.
/// </summary>
public sealed class EvacuationReconciler(
    IKubernetes client,
    ObjectCache<NumaNodeTopology> topologies,
    ObjectCache<NumaVirtualMachine> vms,
    ObjectCache<NumaVirtualMachineMigration> migrations,
    EvacuationOptions limits,
    TimeProvider clock,
    ILogger log) : IReconciler
{
    /// <summary>The only key: the whole cluster's evacuations are one decision.</summary>
    public const string Key = "evacuation";

    /// <summary>Looked at again this often while some node evacuates, whatever the events (a lost watch event must not stall a drain).</summary>
    public static readonly TimeSpan Resync = TimeSpan.FromSeconds(30);

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var nodes = topologies.List();
        // Queued by every VM change: without a draining node, the VM and migration caches are not even copied.
        var decision = nodes.Any(EvacuationPlan.Evacuates)
            ? EvacuationPlan.Decide(nodes, vms.List(), migrations.List(), limits, now)
            : EvacuationDecision.Nothing;
        foreach (var topology in nodes)
        {
            var desired = decision.StatusByNode.GetValueOrDefault(topology.Metadata.Name);
            if (JsonOf(desired) != JsonOf(topology.Status?.Evacuation))
            {
                await WriteStatusAsync(topology.Metadata.Name, desired, ct);
            }
        }

        foreach (var migration in decision.Create)
        {
            await CreateAsync(migration, ct);
        }

        if (decision.StatusByNode.Count == 0)
        {
            return ReconcileResult.Done;
        }

        return ReconcileResult.After(decision.RecheckAfter is { } soon && soon < Resync ? soon : Resync);
    }

    /// <summary>The status as JSON, for comparison (KubernetesJson cannot serialize a null object).</summary>
    private static string? JsonOf(NodeEvacuationStatus? evacuation) => evacuation is null ? null : KubernetesJson.Serialize(evacuation);

    private async Task WriteStatusAsync(string node, NodeEvacuationStatus? evacuation, CancellationToken ct)
    {
        // A merge patch of status.evacuation alone: the agent owns the rest of the status and writes it the same way.
        var patch = new JsonObject { ["status"] = new JsonObject { ["evacuation"] = evacuation is null ? null : JsonNode.Parse(KubernetesJson.Serialize(evacuation)) } };
        try
        {
            var written = await client.CustomObjects.PatchClusterCustomObjectStatusAsync<NumaNodeTopology>(
                new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, node, cancellationToken: ct);
            topologies.Upsert(written, out _);
            log.LogInformation("node {Node} evacuation: {Message}", node, evacuation?.Message ?? "cleared");
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // The topology was deleted: nothing to report on.
        }
    }

    private async Task CreateAsync(EvacuationMigration plan, CancellationToken ct)
    {
        var migration = new NumaVirtualMachineMigration
        {
            Metadata = new V1ObjectMeta
            {
                Name = plan.Name,
                NamespaceProperty = plan.Namespace,
                Labels = new Dictionary<string, string> { [NodeEvacuationStatus.MigrationLabel] = plan.Node },
            },
            Spec = new NumaVirtualMachineMigrationSpec { VmName = plan.VmName },
        };
        try
        {
            var created = await client.CustomObjects.CreateNamespacedCustomObjectAsync<NumaVirtualMachineMigration>(
                migration, ApiGroup.Group, ApiGroup.Version, plan.Namespace, NumaVirtualMachineMigration.Plural, cancellationToken: ct);
            migrations.Upsert(created, out _);
            log.LogInformation("evacuating node {Node}: created migration {Namespace}/{Migration} for VM {Vm} (attempt {Attempt})", plan.Node, plan.Namespace, plan.Name, plan.VmName, plan.Attempt);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // Created before (the cache had not seen it yet): the deterministic name makes this a no-op.
        }
    }
}
