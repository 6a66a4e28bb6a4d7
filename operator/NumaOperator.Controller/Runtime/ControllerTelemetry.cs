using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace NumaOperator.Controller.Runtime;

/// <summary>
/// The controller's OpenTelemetry sources: a span per reconcile ("reconcile {controller}", tags controller, key,
/// outcome, and for scheduling scheduling.result), and metrics on reconcile duration, results, queue depth and
/// scheduling attempts.
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

    static ControllerTelemetry() =>
        Meter.CreateObservableGauge("numaoperator.controller.queue.depth", ObserveQueues, "{key}", "Keys waiting for a worker");

    internal static IDisposable TrackQueue(string controller, WorkQueue queue)
    {
        lock (QueuesGate)
        {
            Queues.Add((controller, queue));
        }

        return new Untrack(controller, queue);
    }

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
