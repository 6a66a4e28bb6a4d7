using System.Diagnostics.Metrics;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Numa.Placement;

namespace NumaOperator.Controller.Scheduling;

/// <summary>
/// What a scheduling term reports at collection time (<see cref="ControllerTelemetry"/>): per host NUMA node the
/// ledger's hugepages and CPUs, per waiting VM how long it has been unschedulable, per node the age of its agent's
/// heartbeat. Reads the ledger between decisions and the informer caches; writes nothing.
/// </summary>
internal sealed class SchedulingGauges(
    SchedulingReconciler reconciler,
    ObjectCache<NumaVirtualMachine> vms,
    ObjectCache<NumaNodeTopology> topologies,
    TimeProvider clock) : ISchedulingGaugeSource
{
    public const string StatePlaced = "placed";
    public const string StateFree = "free";
    public const string StateDedicated = "dedicated";
    public const string StateShared = "shared";
    public const string StateReserved = "reserved";

    public IEnumerable<Measurement<long>> LedgerHugepages() =>
        [.. Usage().SelectMany(n => n.Numa.SelectMany(numa => numa.Hugepages.Where(p => p.PageSize.IsHuge).SelectMany(pool => new[]
        {
            new Measurement<long>(pool.PlacedPages, NumaTags(n.Node, numa.Id, ("page_size", pool.PageSize.ToString()), ("state", StatePlaced))),
            new Measurement<long>(pool.FreePages, NumaTags(n.Node, numa.Id, ("page_size", pool.PageSize.ToString()), ("state", StateFree))),
        })))];

    public IEnumerable<Measurement<int>> LedgerCpus() =>
        [.. Usage().SelectMany(n => n.Numa.SelectMany(numa => new[]
        {
            new Measurement<int>(numa.Dedicated.Count, NumaTags(n.Node, numa.Id, ("state", StateDedicated))),
            new Measurement<int>(numa.Shared.Count, NumaTags(n.Node, numa.Id, ("state", StateShared))),
            new Measurement<int>(numa.Reserved.Count, NumaTags(n.Node, numa.Id, ("state", StateReserved))),
            new Measurement<int>(numa.Free.Count, NumaTags(n.Node, numa.Id, ("state", StateFree))),
        }))];

    public IEnumerable<Measurement<double>> UnschedulableDurations()
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var result = new List<Measurement<double>>();
        foreach (var key in reconciler.UnschedulableKeys)
        {
            var scheduled = ConditionList.Find(vms.Get(key)?.Status?.Conditions, SchedulingStatus.ConditionType);
            if (scheduled is { Status: VmConditions.False, Reason: SchedulingStatus.ReasonUnschedulable, LastTransitionTime: { } since })
            {
                var (ns, name) = ObjectKeys.Split(key);
                result.Add(new Measurement<double>(Seconds(now, since), new("namespace", ns), new("name", name)));
            }
        }

        return result;
    }

    public IEnumerable<Measurement<double>> HeartbeatAges()
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return [.. topologies.List()
            .Where(t => t.Status?.HeartbeatTime is not null)
            .Select(t => new Measurement<double>(Seconds(now, t.Status!.HeartbeatTime!.Value), new KeyValuePair<string, object?>("node", t.Metadata.Name)))];
    }

    private static double Seconds(DateTime now, DateTime since) => Math.Max(0, (now - since.ToUniversalTime()).TotalSeconds);

    private List<(string Node, IReadOnlyList<NumaNodeUsage> Numa)> Usage() =>
        reconciler.ReadLedger(ledger => ledger.Snapshot.ClusterNodes.Select(n => (n.Name, LedgerUsage.Of(ledger, n.Name))).ToList());

    private static KeyValuePair<string, object?>[] NumaTags(string node, int numaNode, params (string Key, string Value)[] more) =>
        [new("node", node), new("numa_node", numaNode), .. more.Select(m => new KeyValuePair<string, object?>(m.Key, m.Value))];
}
