using System.Diagnostics;
using System.Diagnostics.Metrics;
using NumaOperator.ControllerRuntime;

namespace NumaOperator.Agent;

/// <summary>
/// The agent's OpenTelemetry sources. Reconcile spans come from the shared ReconcileLoop (NumaOperator.ControllerRuntime);
/// here: spans for launches and samples, counters of numa_maps samples and VM restarts, and gauges read at collection
/// time from every running agent in the process: per VM numaoperator.vm.local_ratio, numaoperator.vm.numa_aligned and
/// numaoperator.vm.numastat.age; per host NUMA node and page size numaoperator.node.free_hugepages and
/// numaoperator.node.total_hugepages. docs/monitoring.md lists their Prometheus names and labels.
/// </summary>
public static class AgentTelemetry
{
    public const string Name = "NumaOperator.Agent";

    /// <summary>Values of the result tag of <see cref="NumastatSamples"/>.</summary>
    public const string SampleOk = "ok";
    public const string SampleUnreadable = "unreadable";

    private static readonly GaugeSources<IAgentGaugeSource> Sources = new();

    static AgentTelemetry()
    {
        Meter.CreateObservableGauge("numaoperator.vm.local_ratio", () => Sources.Observe(s => s.LocalRatios()), null, "Measured share of each VM's guest RAM on its placed host NUMA nodes (0..1)");
        Meter.CreateObservableGauge("numaoperator.vm.numa_aligned", () => Sources.Observe(s => s.NumaAligned()), null, "1 when the agent's latest numa_maps verdict of a running VM is Aligned, 0 when not (the reason tag says why): the NumaAligned condition");
        Meter.CreateObservableGauge("numaoperator.vm.numastat.age", () => Sources.Observe(s => s.NumastatAges()), "s", "Time since the last successful numa_maps sample of each running VM (since its start or adoption when none succeeded yet)");
        Meter.CreateObservableGauge("numaoperator.node.free_hugepages", () => Sources.Observe(s => s.FreeHugepages()), "{page}", "Free hugepages per host NUMA node and page size");
        Meter.CreateObservableGauge("numaoperator.node.total_hugepages", () => Sources.Observe(s => s.TotalHugepages()), "{page}", "Hugepages reserved (nr_hugepages) per host NUMA node and page size");
    }

    public static ActivitySource Source { get; } = new(Name);

    public static Meter Meter { get; } = new(Name);

    /// <summary>numa_maps samples of running VMs by node and result (<see cref="SampleOk"/>, <see cref="SampleUnreadable"/>).</summary>
    public static Counter<long> NumastatSamples { get; } =
        Meter.CreateCounter<long>("numaoperator.agent.numastat.samples", "{sample}", "numa_maps samples of running VMs by result: ok or unreadable");

    /// <summary>
    /// QEMU starts of a VM after its first: a start is a restart when the VM's status shows a QEMU of it stopped or
    /// exited before (<see cref="Runtime.RestartRule"/>); today that is a start after spec.running was toggled or the
    /// spec changed. Every VM the agent starts or adopts gets its series at 0, so the first restart is an increase.
    /// </summary>
    public static Counter<long> VmRestarts { get; } =
        Meter.CreateCounter<long>("numaoperator.vm.restarts", "{start}", "QEMU starts of a VM after it had stopped or exited");

    internal static IDisposable Register(IAgentGaugeSource source) => Sources.Register(source);

    internal static void CountSample(string node, string result) =>
        NumastatSamples.Add(1, new KeyValuePair<string, object?>("node", node), new KeyValuePair<string, object?>("result", result));

    /// <summary>Counts a start (<paramref name="restart"/> true) or puts the VM's restart series in place at 0.</summary>
    internal static void CountStart(string key, string node, bool restart)
    {
        var (ns, name) = ObjectKey.Split(key);
        VmRestarts.Add(restart ? 1 : 0, new KeyValuePair<string, object?>("namespace", ns), new KeyValuePair<string, object?>("name", name), new KeyValuePair<string, object?>("node", node));
    }
}

/// <summary>What one running agent reports to the gauges.</summary>
internal interface IAgentGaugeSource
{
    IEnumerable<Measurement<double>> LocalRatios();

    IEnumerable<Measurement<int>> NumaAligned();

    IEnumerable<Measurement<double>> NumastatAges();

    IEnumerable<Measurement<long>> FreeHugepages();

    IEnumerable<Measurement<long>> TotalHugepages();
}
