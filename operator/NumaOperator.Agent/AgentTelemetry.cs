using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace NumaOperator.Agent;

/// <summary>
/// The agent's OpenTelemetry sources. Reconcile spans come from the shared ReconcileLoop (NumaOperator.Controller);
/// here: spans for launches and samples, and two gauges read at collection time from every running agent in the
/// process: numaoperator.vm.local_ratio (Prometheus numaoperator_vm_local_ratio{namespace,name,node}) and
/// numaoperator.node.free_hugepages (numaoperator_node_free_hugepages{node,numa_node,page_size}).
/// </summary>
public static class AgentTelemetry
{
    public const string Name = "NumaOperator.Agent";

    public static ActivitySource Source { get; } = new(Name);

    public static Meter Meter { get; } = new(Name);

    private static readonly List<IAgentGaugeSource> Sources = [];
    private static readonly Lock SourcesGate = new();

    static AgentTelemetry()
    {
        Meter.CreateObservableGauge("numaoperator.vm.local_ratio", () => Observe(s => s.LocalRatios()), null, "Measured share of each VM's guest RAM on its placed host NUMA nodes (0..1)");
        Meter.CreateObservableGauge("numaoperator.node.free_hugepages", () => Observe(s => s.FreeHugepages()), "{page}", "Free hugepages per host NUMA node and page size");
    }

    internal static IDisposable Register(IAgentGaugeSource source)
    {
        lock (SourcesGate)
        {
            Sources.Add(source);
        }

        return new Unregister(source);
    }

    private static List<Measurement<T>> Observe<T>(Func<IAgentGaugeSource, IEnumerable<Measurement<T>>> read)
        where T : struct
    {
        IAgentGaugeSource[] sources;
        lock (SourcesGate)
        {
            sources = [.. Sources];
        }

        return [.. sources.SelectMany(read)];
    }

    private sealed class Unregister(IAgentGaugeSource source) : IDisposable
    {
        public void Dispose()
        {
            lock (SourcesGate)
            {
                Sources.Remove(source);
            }
        }
    }
}

/// <summary>What one running agent reports to the gauges.</summary>
internal interface IAgentGaugeSource
{
    IEnumerable<Measurement<double>> LocalRatios();

    IEnumerable<Measurement<long>> FreeHugepages();
}
