using System.Globalization;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Cli.Standalone;

/// <summary>What --exit-when-ready prints per VM after the table: where it was placed and where its memory was measured. Pure.</summary>
public static class FinalReport
{
    public static IReadOnlyList<string> Lines(NumaVirtualMachine vm, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var lines = new List<string>();
        var status = vm.Status;
        if (status?.Placement is not { GuestNodes.Count: > 0 } placement)
        {
            lines.Add($"{vm.Key}: not placed");
            return lines;
        }

        var how = placement.Accelerator is { } accelerator ? $", {accelerator} with cpu model {placement.CpuModel ?? "host-model"}" : string.Empty;
        lines.Add($"{vm.Key}: on node {status.NodeName}, {placement.PageSize} pages, policy {placement.Policy ?? vm.Spec.Numa?.Policy ?? "Strict"}{how}");
        foreach (var g in placement.GuestNodes)
        {
            var cpus = string.IsNullOrEmpty(g.HostCpus) ? "not pinned (dedicated: false)" : "pinned to host CPUs " + g.HostCpus;
            lines.Add($"  placed:   guest node {g.GuestNode} -> host node {g.HostNode}: {g.Memory}, vCPUs {g.Vcpus} {cpus}");
        }

        if (status.Numastat is not { } numastat)
        {
            lines.Add("  measured: no numastat yet");
            return lines;
        }

        var sampled = numastat.SampledAt is { } at
            ? string.Create(CultureInfo.InvariantCulture, $"{at.ToUniversalTime():yyyy-MM-ddTHH:mm:ssZ} ({HumanDuration.Age(at, now)} ago)")
            : "unknown";
        foreach (var node in numastat.Nodes.OrderBy(n => n.Node))
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"  measured: host node {node.Node}: {node.Bytes} bytes ({ByteQuantity.Human(node.Bytes)})"));
        }

        lines.Add($"  localRatio {numastat.LocalRatio ?? "-"}, sampledAt {sampled}");
        return lines;
    }
}
