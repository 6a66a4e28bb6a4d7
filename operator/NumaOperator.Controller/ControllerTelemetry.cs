using System.Diagnostics.Metrics;
using NumaOperator.ControllerRuntime;

namespace NumaOperator.Controller;

/// <summary>
/// The controller's OpenTelemetry sources: the reconcile spans and metrics of its loops
/// (<see cref="ReconcileTelemetry"/>, same source and meter) plus, for scheduling, the scheduling.result tag and
/// counts of scheduling attempts. While a scheduling term runs (on the leader only), gauges read its ledger and caches
/// at collection time: numaoperator.ledger.hugepages and numaoperator.ledger.cpus (what is promised per host NUMA
/// node), numaoperator.vm.unschedulable.duration and numaoperator.node.heartbeat.age. docs/monitoring.md lists the
/// Prometheus names.
/// </summary>
public static class ControllerTelemetry
{
    public const string Name = ReconcileTelemetry.Name;

    /// <summary>Scheduling decisions by result: placed, unschedulable, invalid (InvalidSpec), conflict (a recorded placement the ledger refused).</summary>
    public static Counter<long> SchedulingAttempts { get; } =
        ReconcileTelemetry.Meter.CreateCounter<long>("numaoperator.controller.scheduling.attempts", "{attempt}", "Scheduling attempts by result");

    /// <summary>Live migrations that ended, by outcome: Succeeded or the failure reason (Unschedulable, TimedOut, ...).</summary>
    public static Counter<long> Migrations { get; } =
        ReconcileTelemetry.Meter.CreateCounter<long>("numaoperator.controller.migrations", "{migration}", "Live migrations that ended, by outcome (Succeeded or the failure reason)");

    /// <summary>Seconds from Scheduled to the end of a live migration, by outcome.</summary>
    public static Histogram<double> MigrationDuration { get; } =
        ReconcileTelemetry.Meter.CreateHistogram<double>("numaoperator.controller.migration.duration", "s", "Live migration duration from Scheduled to Succeeded or Failed, by outcome");

    private static readonly GaugeSources<ISchedulingGaugeSource> Scheduling = new();

    static ControllerTelemetry()
    {
        ReconcileTelemetry.Meter.CreateObservableGauge("numaoperator.ledger.hugepages", () => Scheduling.Observe(s => s.LedgerHugepages()), "{page}", "Hugepages per host NUMA node and page size as the scheduler's ledger holds them: state placed (promised to VMs) or free");
        ReconcileTelemetry.Meter.CreateObservableGauge("numaoperator.ledger.cpus", () => Scheduling.Observe(s => s.LedgerCpus()), "{cpu}", "Host CPUs per host NUMA node by state: dedicated (pinned to a vCPU), shared (non-dedicated vCPUs float there), reserved (spec.reservedCpus) or free");
        ReconcileTelemetry.Meter.CreateObservableGauge("numaoperator.vm.unschedulable.duration", () => Scheduling.Observe(s => s.UnschedulableDurations()), "s", "How long each unschedulable VM has been waiting for capacity (since its Scheduled condition turned False)");
        ReconcileTelemetry.Meter.CreateObservableGauge("numaoperator.node.heartbeat.age", () => Scheduling.Observe(s => s.HeartbeatAges()), "s", "Time since each node's agent last renewed its NumaNodeTopology status.heartbeatTime");
    }

    /// <summary>Reports <paramref name="source"/> to the scheduling gauges until the handle is disposed (the end of a term).</summary>
    internal static IDisposable TrackScheduling(ISchedulingGaugeSource source) => Scheduling.Register(source);
}

/// <summary>What one running scheduling term reports to the gauges.</summary>
internal interface ISchedulingGaugeSource
{
    IEnumerable<Measurement<long>> LedgerHugepages();

    IEnumerable<Measurement<int>> LedgerCpus();

    IEnumerable<Measurement<double>> UnschedulableDurations();

    IEnumerable<Measurement<double>> HeartbeatAges();
}
