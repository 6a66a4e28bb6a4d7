using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace NumaOperator.ControllerRuntime;

/// <summary>
/// What every <see cref="ReconcileLoop"/> reports, in the controller and in the agent: a span per reconcile
/// ("reconcile {controller}", tags controller, key, outcome), reconcile duration and results, and the depth of each
/// running loop's queue. The source and meter keep the name "NumaOperator.Controller" they had before this assembly
/// was split off, so exports, dashboards and docs/monitoring.md stay as they are; the controller's scheduling
/// instruments share the same meter (NumaOperator.Controller's ControllerTelemetry).
/// </summary>
public static class ReconcileTelemetry
{
    public const string Name = "NumaOperator.Controller";

    public static ActivitySource Source { get; } = new(Name);

    public static Meter Meter { get; } = new(Name);

    public static Histogram<double> ReconcileDuration { get; } =
        Meter.CreateHistogram<double>("numaoperator.controller.reconcile.duration", "s", "Time spent in one reconcile");

    /// <summary>Reconciles by controller and outcome (success, requeue, error).</summary>
    public static Counter<long> ReconcileResults { get; } =
        Meter.CreateCounter<long>("numaoperator.controller.reconcile.results", "{reconcile}", "Reconciles by outcome");

    private static readonly List<(string Controller, WorkQueue Queue)> Queues = [];
    private static readonly Lock QueuesGate = new();

    static ReconcileTelemetry()
    {
        Meter.CreateObservableGauge("numaoperator.controller.queue.depth", ObserveQueues, "{key}", "Keys waiting for a worker");
    }

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
