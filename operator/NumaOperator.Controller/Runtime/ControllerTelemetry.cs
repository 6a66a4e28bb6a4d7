using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace NumaOperator.Controller.Runtime;

/// <summary>
/// The controller's OpenTelemetry sources: a span per reconcile ("reconcile {controller}", tags controller, key,
/// outcome, and for scheduling scheduling.result), and metrics on reconcile duration, results, queue depth and
/// scheduling attempts. While a scheduling term runs (on the leader only), gauges read its ledger and caches at
/// collection time: numaoperator.ledger.hugepages and numaoperator.ledger.cpus (what is promised per host NUMA node),
/// numaoperator.vm.unschedulable.duration and numaoperator.node.heartbeat.age. docs/monitoring.md lists the
/// Prometheus names.
/// </summary>
public static class ControllerTelemetry
{
    public const string Name = "NumaOperator.Controller";

    public static ActivitySource Source { get; } = new(Name);

    public static Meter Meter { get; } = new(Name);

    public static Histogram<double> ReconcileDuration { get; } =
        Meter.CreateHistogram<double>("numaoperator.controller.reconcile.duration", "s", "Time spent in one reconcile");

    /// <summary>Reconciles by controller and outcome (success, requeue, error).</summary>
    public static Counter<long> ReconcileResults { get; } =
        Meter.CreateCounter<long>("numaoperator.controller.reconcile.results", "{reconcile}", "Reconciles by outcome");

    /// <summary>Scheduling decisions by result: placed, unschedulable, invalid (InvalidSpec), conflict (a recorded placement the ledger refused).</summary>
    public static Counter<long> SchedulingAttempts { get; } =
        Meter.CreateCounter<long>("numaoperator.controller.scheduling.attempts", "{attempt}", "Scheduling attempts by result");

    private static readonly List<(string Controller, WorkQueue Queue)> Queues = [];
    private static readonly Lock QueuesGate = new();

    private static readonly GaugeSources<ISchedulingGaugeSource> Scheduling = new();

    static ControllerTelemetry()
    {
        Meter.CreateObservableGauge("numaoperator.controller.queue.depth", ObserveQueues, "{key}", "Keys waiting for a worker");
        Meter.CreateObservableGauge("numaoperator.ledger.hugepages", () => Scheduling.Observe(s => s.LedgerHugepages()), "{page}", "Hugepages per host NUMA node and page size as the scheduler's ledger holds them: state placed (promised to VMs) or free");
        Meter.CreateObservableGauge("numaoperator.ledger.cpus", () => Scheduling.Observe(s => s.LedgerCpus()), "{cpu}", "Host CPUs per host NUMA node by state: dedicated (pinned to a vCPU), shared (non-dedicated vCPUs float there), reserved (spec.reservedCpus) or free");
        Meter.CreateObservableGauge("numaoperator.vm.unschedulable.duration", () => Scheduling.Observe(s => s.UnschedulableDurations()), "s", "How long each unschedulable VM has been waiting for capacity (since its Scheduled condition turned False)");
        Meter.CreateObservableGauge("numaoperator.node.heartbeat.age", () => Scheduling.Observe(s => s.HeartbeatAges()), "s", "Time since each node's agent last renewed its NumaNodeTopology status.heartbeatTime");
    }

    internal static IDisposable TrackQueue(string controller, WorkQueue queue)
    {
        lock (QueuesGate)
        {
            Queues.Add((controller, queue));
        }

        return new Untrack(controller, queue);
    }

    /// <summary>Reports <paramref name="source"/> to the scheduling gauges until the handle is disposed (the end of a term).</summary>
    internal static IDisposable TrackScheduling(ISchedulingGaugeSource source) => Scheduling.Register(source);

    private static IEnumerable<Measurement<int>> ObserveQueues()
    {
        lock (QueuesGate)
        {
            return [.. Queues.Select(q => new Measurement<int>(q.Queue.Depth, new KeyValuePair<string, object?>("controller", q.Controller)))];
        }
    }

    private sealed class Untrack(string controller, WorkQueue queue) : IDisposable
    {
        public void Dispose()
        {
            lock (QueuesGate)
            {
                Queues.Remove((controller, queue));
            }
        }
    }
}

/// <summary>What one running scheduling term reports to the gauges.</summary>
internal interface ISchedulingGaugeSource
{
    IEnumerable<Measurement<long>> LedgerHugepages();

    IEnumerable<Measurement<int>> LedgerCpus();

    IEnumerable<Measurement<double>> UnschedulableDurations();

    IEnumerable<Measurement<double>> HeartbeatAges();
}
