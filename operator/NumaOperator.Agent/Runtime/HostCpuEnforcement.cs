using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;
using NumaOperator.Qemu.Supervision;

namespace NumaOperator.Agent.Runtime;

/// <summary>
/// Keeps dedicated CPUs exclusive on this host: whenever the set of running VMs (or spec.reservedCpus, or the
/// topology) changes, every running QEMU is masked again by its plan in the new <see cref="HostCpuPools"/> and the
/// agent itself moves off the dedicated CPUs. A VM about to start counts as running from the moment its start is
/// planned, so the others have left its CPUs before its QEMU exists. Which CPUs is decided by
/// <see cref="HostCpuPools"/> and <see cref="PinningPlan"/> (pure); the masking goes through <see cref="IVmRuntime"/>.
/// </summary>
internal sealed class HostCpuEnforcement(IVmRuntime runtime, Func<HostTopology?> topology, Func<CpuSet> reservedCpus, ILogger log)
{
    private readonly ConcurrentDictionary<Guid, VmPlacement> starting = new();
    private readonly ConcurrentDictionary<string, VmPlacement> awaitingAdoption = new();
    private readonly Lock gate = new();
    private string? applied;

    /// <summary>
    /// Counts <paramref name="uid"/> as running, moves everything else off its dedicated CPUs, and returns the plan
    /// its QEMU starts with. Call <see cref="StartEnded"/> whatever happens next.
    /// </summary>
    public PinningPlan PlanStart(Guid uid, VmPlacement placement, HostTopology host, IEnumerable<TrackedVm> running)
    {
        ArgumentNullException.ThrowIfNull(placement);
        starting[uid] = placement;
        Enforce(running);
        return PinningPlan.For(placement, Pools(host, running));
    }

    /// <summary>The start of <paramref name="uid"/> is over (tracked as running now, or failed).</summary>
    public void StartEnded(Guid uid) => starting.TryRemove(uid, out _);

    /// <summary>
    /// A QEMU a previous agent left running for VM <paramref name="key"/>: its dedicated CPUs count until the VM was
    /// reconciled once (adopted, or found dead or unwanted), so a VM adopted first is not masked onto them meanwhile.
    /// </summary>
    public void AwaitAdoption(string key, VmPlacement placement) => awaitingAdoption[key] = placement;

    /// <summary>VM <paramref name="key"/> was reconciled: from now on it counts only if this agent holds its QEMU.</summary>
    public void Reconciled(string key) => awaitingAdoption.TryRemove(key, out _);

    /// <summary>The plan <paramref name="vm"/> runs by in the current pools (null before the topology was read).</summary>
    public PinningPlan? PlanOf(VmPlacement vm, IEnumerable<TrackedVm> running) =>
        topology() is { } host ? PinningPlan.For(vm, Pools(host, running)) : null;

    /// <summary>Masks every running QEMU and the agent again when the pools or the processes changed since the last time; cheap when nothing did.</summary>
    public void Enforce(IEnumerable<TrackedVm> running)
    {
        ArgumentNullException.ThrowIfNull(running);
        if (topology() is not { } host)
        {
            return;
        }

        lock (gate)
        {
            var vms = running.ToArray();
            var pools = Pools(host, vms);
            var key = pools + " | " + string.Join(",", vms.Select(v => v.Process.Pid).Order());
            if (key == applied)
            {
                return;
            }

            foreach (var vm in vms)
            {
                foreach (var problem in runtime.Repin(vm.Process, PinningPlan.For(vm.Placement, pools)))
                {
                    log.LogWarning("VM {Key}: CPU mask did not hold: {Problem}", vm.Key, problem);
                }
            }

            foreach (var problem in runtime.ConfineAgent(pools.Dedicated))
            {
                log.LogWarning("agent: could not leave the dedicated CPUs {Dedicated}: {Problem}", pools.Dedicated, problem);
            }

            log.LogInformation("host CPU pools now {Pools}; {Count} QEMU(s) masked", pools, vms.Length);
            applied = key;
        }
    }

    private HostCpuPools Pools(HostTopology host, IEnumerable<TrackedVm> running) =>
        HostCpuPools.Of(host, reservedCpus(), running.Select(v => v.Placement).Concat(starting.Values).Concat(awaitingAdoption.Values));
}
