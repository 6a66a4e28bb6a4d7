using BenchmarkDotNet.Attributes;
using NumaOperator.Api.Conversion;
using NumaOperator.Api.Validation;
using NumaOperator.Benchmarks.Workload;
using NumaOperator.Numa.Placement;

namespace NumaOperator.Benchmarks;

/// <summary>All 10,000 decisions of the synthetic fleet on a fresh ledger (issue 2 target: at most 100 ms on one core).</summary>
[MemoryDiagnoser]
public class PlacementBenchmarks
{
    private ClusterSnapshot _snapshot = null!;
    private List<VmRequest> _requests = null!;

    [Params(1000)]
    public int Nodes { get; set; }

    [Params(10_000)]
    public int Vms { get; set; }

    [Params(PackingPolicy.Consolidate, PackingPolicy.Pack, PackingPolicy.Spread, PackingPolicy.NumaBestFit)]
    public PackingPolicy Packing { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _snapshot = new ClusterSnapshot(FleetWorkload.Nodes(Nodes).Select(n => TopologyConversion.ToClusterNode(n)));
        _requests = [.. FleetWorkload.VirtualMachines(Vms, 42).Select(vm => NumaVirtualMachineValidator.Validate(vm).Request!)];
    }

    [Benchmark]
    public int PlaceFleet()
    {
        var ledger = new PlacementLedger(_snapshot);
        var placed = 0;
        foreach (var request in _requests)
        {
            if (PlacementEngine.Decide(ledger, request, Packing) is PlacementDecision.Placed p)
            {
                ledger.Place(request.Key, p.Placement);
                placed++;
            }
        }

        return placed;
    }
}
