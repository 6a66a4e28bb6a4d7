using System.Globalization;
using k8s.Models;
using NumaOperator.Api.Conversion;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Controller.Scheduling;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Cli.Explaining;

/// <summary>
/// Asks the controller's own placement engine why a VM does not fit, so explain never disagrees with the scheduler:
/// the same node filter (<see cref="ClusterSnapshotBuilder"/>: a Node object and a topology with status; a cordoned or evacuating node is considered and rejected with that reason),
/// the same ledger rebuilt from every other VM's status.placement (oldest first, as the controller does when a term
/// starts), the same <see cref="PlacementEngine.Decide"/>. Then, per node, what the VM asks against what each host
/// NUMA node has free. Pure.
/// </summary>
public static class SchedulingAnalysis
{
    public static SchedulingView Analyze(NumaVirtualMachine vm, VmRequest? request, V1Condition? scheduled, ExplainInput input)
    {
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentNullException.ThrowIfNull(input);
        var snapshot = ClusterSnapshotBuilder.Build(input.Topologies, input.Nodes, out var skipped);
        var notConsidered = NotConsidered(input, snapshot, skipped);
        var ledger = RecordedLedger.Rebuild(snapshot, input.AllVms, exceptKey: vm.Key);

        if (request is null)
        {
            return new SchedulingView(scheduled?.Reason, scheduled?.Message, null, null, null, [], notConsidered);
        }

        var decision = PlacementEngine.Decide(ledger, request);
        var reasons = decision is PlacementDecision.NotSchedulable ns
            ? ns.Rejections.ToDictionary(r => r.NodeName, r => r.Reason, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        var nodes = snapshot.ClusterNodes
            .OrderBy(n => n.Name, StringComparer.Ordinal)
            .Select(n => new NodeView(n.Name, reasons.GetValueOrDefault(n.Name), NumaNodes(n, ledger, request), Accelerators(n)))
            .ToList();
        return new SchedulingView(
            scheduled?.Reason,
            scheduled?.Message,
            Request(request),
            (decision as PlacementDecision.NotSchedulable)?.Summary,
            (decision as PlacementDecision.Placed)?.Placement.NodeName,
            nodes,
            notConsidered);
    }

    private static RequestView Request(VmRequest request)
    {
        var guestNodes = Math.Max(1, request.GuestNodes);
        var vcpusPerGuestNode = request.VcpusOf(0);
        return new RequestView(
            request.Vcpus,
            request.DedicatedCpus,
            guestNodes,
            request.PageSize.ToString(),
            request.MemoryPerGuestNode,
            request.MemoryPerGuestNode / request.PageSize.Bytes,
            vcpusPerGuestNode,
            request.AllowedHostNodes?.ToString(),
            request.NodeSelector,
            AcceleratorNames.Of(request.Accelerator),
            request.CpuModel);
    }

    /// <summary>"KVM not usable (/dev/kvm does not exist); Emulation usable: host-model, qemu64 and 30 more" from the node's published facts.</summary>
    private static string? Accelerators(ClusterNode node) =>
        node.Accelerators is not { } offers ? null : string.Join("; ", offers.Select(o =>
        {
            var name = AcceleratorNames.Of(o.Accelerator);
            if (!o.Usable)
            {
                return $"{name} not usable ({o.Reason ?? "no reason given"})";
            }

            var models = o.CpuModels.Order(StringComparer.Ordinal).ToList();
            var shown = string.Join(", ", models.Take(4)) + (models.Count > 4 ? $" and {models.Count - 4} more" : string.Empty);
            return $"{name} usable: {shown}" + (o.Reason is null ? string.Empty : $" ({o.Reason})");
        }));

    private static List<NumaNodeView> NumaNodes(ClusterNode node, PlacementLedger ledger, VmRequest request)
    {
        var pinned = ledger.PinnedCpus(node.Name);
        var pagesNeeded = request.MemoryPerGuestNode / request.PageSize.Bytes;
        var cpusNeeded = request.DedicatedCpus ? request.VcpusOf(0) : 1;
        return [.. node.Topology.NumaNodes.OrderBy(n => n.Id).Select(numa =>
        {
            var usable = numa.Cpus.Except(node.ReservedCpus);
            var free = usable.Except(pinned).Count;
            var freePages = ledger.FreePages(node.Name, numa.Id, request.PageSize);
            return new NumaNodeView(
                numa.Id,
                request.AllowedHostNodes?.Contains(numa.Id) ?? true,
                request.PageSize.ToString(),
                freePages,
                ledger.CapacityPages(node.Name, numa.Id, request.PageSize),
                free,
                usable.Count,
                freePages >= pagesNeeded,
                free >= cpusNeeded);
        })];
    }

    /// <summary>Topologies the scheduler does not consider, and why (the controller skips them silently or with a log line).</summary>
    private static List<string> NotConsidered(ExplainInput input, ClusterSnapshot snapshot, IReadOnlyList<string> skipped)
    {
        var nodes = input.Nodes.ToDictionary(n => n.Metadata.Name, StringComparer.Ordinal);
        var result = new List<string>();
        foreach (var topology in input.Topologies.OrderBy(t => t.Metadata.Name, StringComparer.Ordinal))
        {
            var name = topology.Metadata.Name;
            if (snapshot.Node(name) is not null)
            {
                continue;
            }

            if (topology.Status is null)
            {
                result.Add($"{name}: its NumaNodeTopology has no status yet (no agent has published it)");
            }
            else if (!nodes.ContainsKey(name))
            {
                result.Add($"{name}: no Kubernetes Node of that name");
            }

        }

        result.AddRange(skipped);
        return result;
    }

    /// <summary>"15360 × 2Mi pages" or "512Mi of ordinary memory", as the engine's reasons say it.</summary>
    public static string MemoryText(RequestView request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.PageSize == PageSize.Normal.ToString()
            ? ByteQuantity.Format(request.MemoryPerGuestNodeBytes) + " of ordinary memory"
            : string.Create(CultureInfo.InvariantCulture, $"{request.PagesPerGuestNode} × {request.PageSize} pages");
    }
}
