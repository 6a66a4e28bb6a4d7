using System.Globalization;
using k8s.Models;
using NumaOperator.Agent.Runtime;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Api.Validation;
using NumaOperator.ControllerRuntime;
using NumaOperator.Controller.Scheduling;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Reliability.Tests;

/// <summary>A process a host runs for a VM, as the invariant checks see it (simulated, or a QEMU found in /proc).</summary>
public sealed record HostProcess(string Node, string VmKey, string Uid, int Pid, PlacementStatus? Placement);

/// <summary>
/// The invariants of DESIGN.md, checked from the API state (VMs, topologies, nodes) and what the hosts run. Pure:
/// every input is a parameter; each method returns the violations it found, one line each.
/// </summary>
public static class Invariants
{
    /// <summary>
    /// Never double-booked: per node, NUMA node and page size, the pages of every recorded placement (running or
    /// stopped VMs alike: the ledger holds both) fit in the topology's total; no host CPU is pinned to two VMs; every
    /// pinned CPU belongs to the NUMA node it is placed on.
    /// </summary>
    public static List<string> DoubleBooking(IEnumerable<NumaVirtualMachine> vms, IEnumerable<NumaNodeTopology> topologies)
    {
        var problems = new List<string>();
        var byName = topologies.ToDictionary(t => t.Metadata.Name, StringComparer.Ordinal);
        var placed = vms.Where(v => v.Status?.Placement is not null).ToList();
        var memory = new Dictionary<(string Node, int Numa, string PageSize), long>();
        var cpus = new Dictionary<(string Node, int Cpu), string>();
        foreach (var vm in placed)
        {
            var node = vm.Status!.NodeName ?? string.Empty;
            if (!byName.TryGetValue(node, out var topology))
            {
                problems.Add($"{vm.Key}: placed on {Show(node)}, which has no NumaNodeTopology");
                continue;
            }

            foreach (var guest in vm.Status.Placement!.GuestNodes)
            {
                var key = (node, guest.HostNode, vm.Status.Placement.PageSize);
                memory[key] = memory.GetValueOrDefault(key) + ByteQuantity.Parse(guest.Memory);
                var numa = topology.Status?.NumaNodes.FirstOrDefault(n => n.Id == guest.HostNode);
                var numaCpus = numa is null ? CpuSet.Empty : CpuSet.Parse(numa.Cpus);
                foreach (var cpu in CpuSet.Parse(guest.HostCpus))
                {
                    if (!numaCpus.Contains(cpu))
                    {
                        problems.Add($"{vm.Key}: CPU {cpu} placed on {node} NUMA node {guest.HostNode}, which has CPUs {Show(numa?.Cpus)}");
                    }

                    if (!cpus.TryAdd((node, cpu), vm.Key))
                    {
                        problems.Add($"{node}: CPU {cpu} pinned to both {cpus[(node, cpu)]} and {vm.Key}");
                    }
                }
            }
        }

        foreach (var ((node, numaId, pageSize), bytes) in memory)
        {
            var pageBytes = ByteQuantity.Parse(pageSize);
            var total = byName[node].Status?.NumaNodes.FirstOrDefault(n => n.Id == numaId)?.Hugepages
                .FirstOrDefault(h => h.PageSize == pageSize)?.Total ?? 0;
            if (bytes / pageBytes > total)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{node} NUMA node {numaId}: {bytes / pageBytes} × {pageSize} pages placed, {total} exist"));
            }
        }

        return problems;
    }

    /// <summary>
    /// One VM, at most one QEMU, and no orphans: every process belongs to an existing VM (same uid) that wants to run,
    /// on the node its status names, with the placement its status records; no VM has two processes.
    /// </summary>
    public static List<string> Processes(IEnumerable<NumaVirtualMachine> vms, IEnumerable<HostProcess> processes)
    {
        var problems = new List<string>();
        var byKey = vms.ToDictionary(v => v.Key, StringComparer.Ordinal);
        foreach (var group in processes.GroupBy(p => p.Uid, StringComparer.Ordinal))
        {
            var list = group.ToList();
            if (list.Count > 1)
            {
                problems.Add($"VM uid {group.Key} ({list[0].VmKey}) has {list.Count} processes: {string.Join(", ", list.Select(p => $"{p.Node} pid {p.Pid}"))}");
            }

            foreach (var process in list)
            {
                if (!byKey.TryGetValue(process.VmKey, out var vm) || vm.Metadata.Uid != process.Uid)
                {
                    problems.Add($"{process.Node}: orphaned process pid {process.Pid} of {process.VmKey} (uid {process.Uid}): no such VM");
                }
                else if (!WantsRunning(vm))
                {
                    problems.Add($"{process.Node}: process pid {process.Pid} of {vm.Key} runs though the VM is {(vm.Metadata.DeletionTimestamp is null ? "stopped" : "deleted")}");
                }
                else if (vm.Status?.NodeName != process.Node)
                {
                    problems.Add($"{process.Node}: process pid {process.Pid} of {vm.Key} runs here, its status says {Show(vm.Status?.NodeName)}");
                }
                else if (process.Placement is not null && Describe(process.Placement) != Describe(vm.Status.Placement))
                {
                    problems.Add($"{vm.Key}: runs with placement {Describe(process.Placement)}, its status records {Describe(vm.Status.Placement)}");
                }
            }
        }

        return problems;
    }

    /// <summary>
    /// Every VM reached its desired state: running → phase Running, Ready=True for its generation and one process;
    /// running false → phase Stopped, Running not True, no process; deleted → gone. A VM that waits for capacity is
    /// not converged here (see <see cref="StuckUnschedulable"/> for whether the wait is justified).
    /// </summary>
    public static List<string> NotConverged(IEnumerable<NumaVirtualMachine> vms, IEnumerable<HostProcess> processes, IEnumerable<string> deleted)
    {
        var problems = new List<string>();
        var running = processes.Select(p => p.Uid).ToHashSet(StringComparer.Ordinal);
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var vm in vms)
        {
            present.Add(vm.Key);
            var status = vm.Status;
            if (vm.Metadata.DeletionTimestamp is not null)
            {
                problems.Add($"{vm.Key}: deleted but still present (phase {Show(status?.Phase)}, finalizers {string.Join(",", vm.Metadata.Finalizers ?? [])})");
            }
            else if (IsUnschedulable(vm))
            {
                continue;
            }
            else if (WantsRunning(vm))
            {
                var ready = ConditionList.Find(status?.Conditions, AgentConditions.Ready);
                if (status?.Phase != AgentConditions.PhaseRunning || ready is not { Status: "True" } || ready.ObservedGeneration != vm.Metadata.Generation || !running.Contains(vm.Metadata.Uid))
                {
                    problems.Add($"{vm.Key}: wants running, is phase {Show(status?.Phase)} Ready={Show(ready?.Status)} (generation {ready?.ObservedGeneration}/{vm.Metadata.Generation}), process {(running.Contains(vm.Metadata.Uid) ? "yes" : "no")}");
                }
            }
            else if (status?.Phase != AgentConditions.PhaseStopped || ConditionList.IsTrue(status.Conditions, AgentConditions.Running) || running.Contains(vm.Metadata.Uid))
            {
                problems.Add($"{vm.Key}: wants stopped, is phase {Show(status?.Phase)}, process {(running.Contains(vm.Metadata.Uid) ? "yes" : "no")}");
            }
        }

        problems.AddRange(deleted.Where(present.Contains).Select(k => $"{k}: deleted last, still present"));
        return problems;
    }

    /// <summary>
    /// No status lost: every VM that is not waiting for capacity (and not invalid) has Scheduled=True, status.placement,
    /// status.nodeName, the node label equal to nodeName, and the finalizer.
    /// </summary>
    public static List<string> StatusLost(IEnumerable<NumaVirtualMachine> vms)
    {
        var problems = new List<string>();
        foreach (var vm in vms.Where(v => v.Metadata.DeletionTimestamp is null && !IsUnschedulable(v)))
        {
            var status = vm.Status;
            string? label = null;
            vm.Metadata.Labels?.TryGetValue(ApiGroup.NodeLabel, out label);
            if (status?.Placement is null || string.IsNullOrEmpty(status.NodeName) || label != status.NodeName
                || !ConditionList.IsTrue(status.Conditions, SchedulingStatus.ConditionType) || vm.Metadata.Finalizers?.Contains(ApiGroup.Finalizer) != true)
            {
                problems.Add($"{vm.Key}: placement {(status?.Placement is null ? "missing" : "present")}, nodeName {Show(status?.NodeName)}, label {Show(label)}, Scheduled={Show(ConditionList.Find(status?.Conditions, SchedulingStatus.ConditionType)?.Status)}, finalizer {(vm.Metadata.Finalizers?.Contains(ApiGroup.Finalizer) == true ? "yes" : "no")}");
            }
        }

        return problems;
    }

    /// <summary>A VM still waiting for capacity although, against every recorded placement, it fits now: a lost wake-up.</summary>
    public static List<string> StuckUnschedulable(IReadOnlyList<NumaVirtualMachine> vms, IEnumerable<NumaNodeTopology> topologies, IEnumerable<V1Node> nodes)
    {
        var waiting = vms.Where(v => v.Metadata.DeletionTimestamp is null && IsUnschedulable(v)).ToList();
        if (waiting.Count == 0)
        {
            return [];
        }

        var snapshot = ClusterSnapshotBuilder.Build(topologies, nodes, out _);
        var recorded = vms.Where(v => v.Status?.Placement is not null && !string.IsNullOrEmpty(v.Status.NodeName))
            .Select(v => new KeyValuePair<string, VmPlacement>(v.Key, NumaOperator.Api.Conversion.PlacementConversion.FromStatus(v.Status!.NodeName!, v.Status.Placement!)));
        var ledger = PlacementLedger.Rebuild(snapshot, recorded, out _);
        var problems = new List<string>();
        foreach (var vm in waiting)
        {
            if (NumaVirtualMachineValidator.Validate(vm).Request is { } request && PlacementEngine.Decide(ledger, request) is PlacementDecision.Placed placed)
            {
                problems.Add($"{vm.Key}: Unschedulable, yet it fits now ({SchedulingStatus.PlacedMessage(placed.Placement)})");
            }
        }

        return problems;
    }

    public static bool WantsRunning(NumaVirtualMachine vm) => vm.Spec.Running != false && vm.Metadata.DeletionTimestamp is null;

    public static bool IsUnschedulable(NumaVirtualMachine vm) =>
        ConditionList.Find(vm.Status?.Conditions, SchedulingStatus.ConditionType)?.Reason == SchedulingStatus.ReasonUnschedulable;

    private static string Describe(PlacementStatus? placement) => placement is null
        ? "none"
        : placement.PageSize + " " + string.Join(";", placement.GuestNodes.OrderBy(g => g.GuestNode).Select(g => $"{g.GuestNode}@{g.HostNode}:{g.HostCpus}:{g.Memory}"));

    private static string Show(string? text) => string.IsNullOrEmpty(text) ? "(none)" : text;
}
