using System.Diagnostics;
using System.Globalization;
using NumaOperator.Api.Conversion;
using NumaOperator.Api.Validation;
using NumaOperator.Benchmarks.Workload;
using NumaOperator.Numa.Placement;

namespace NumaOperator.Benchmarks;

/// <summary>
/// `placement [--nodes N] [--vms N] [--seed S] [--rounds R] [--packing P]`: places the synthetic fleet R times on a fresh ledger
/// and prints the fastest and the median round's decisions per second, VMs placed and hugepage bytes placed / offered.
/// </summary>
public static class PlacementRun
{
    public static int Run(int nodes, int vmCount, int seed, int rounds, PackingPolicy policy)
    {
        var snapshot = new ClusterSnapshot(FleetWorkload.Nodes(nodes).Select(n => TopologyConversion.ToClusterNode(n)));
        var requests = FleetWorkload.VirtualMachines(vmCount, seed)
            .Select(vm => NumaVirtualMachineValidator.Validate(vm).Request ?? throw new InvalidOperationException("generated VM is invalid"))
            .ToList();
        var times = new List<TimeSpan>();
        var cpuTimes = new List<TimeSpan>();
        using var process = Process.GetCurrentProcess();
        PlacementLedger? ledger = null;
        var placed = 0;
        for (var round = 0; round < rounds; round++)
        {
            var fresh = new PlacementLedger(snapshot);
            var count = 0;
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            foreach (var request in requests)
            {
                if (PlacementEngine.Decide(fresh, request, policy) is PlacementDecision.Placed p)
                {
                    fresh.Place(request.Key, p.Placement);
                    count++;
                }
            }

            watch.Stop();
            process.Refresh();
            times.Add(watch.Elapsed);
            cpuTimes.Add(process.TotalProcessorTime - cpuBefore);

            ledger = fresh;
            placed = count;
        }

        long offered = 0, used = 0;
        foreach (var node in snapshot.ClusterNodes)
        {
            foreach (var numa in node.Topology.NumaNodes)
            {
                foreach (var pool in numa.Hugepages)
                {
                    offered += ledger!.CapacityPages(node.Name, numa.Id, pool.PageSize) * pool.PageSize.Bytes;
                    used += ledger.UsedPages(node.Name, numa.Id, pool.PageSize) * pool.PageSize.Bytes;
                }
            }
        }

        times.Sort();
        cpuTimes.Sort();
        var best = times[0];
        var median = times[times.Count / 2];
        var ci = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(ci, $"nodes: {nodes} x {FleetWorkload.NumaNodesPerHost} NUMA nodes, VMs: {vmCount}, seed: {seed}, rounds: {rounds}, packing: {PackingPolicies.NameOf(policy)}"));
        Console.WriteLine(string.Create(ci, $"fastest round: {best.TotalMilliseconds:0.0} ms for {vmCount} decisions = {vmCount / best.TotalSeconds:0} decisions/s"));
        Console.WriteLine(string.Create(ci, $"median round:  {median.TotalMilliseconds:0.0} ms for {vmCount} decisions = {vmCount / median.TotalSeconds:0} decisions/s"));
        Console.WriteLine(string.Create(ci, $"CPU time per round (all threads, less sensitive to a busy machine): fastest {cpuTimes[0].TotalMilliseconds:0.0} ms, median {cpuTimes[cpuTimes.Count / 2].TotalMilliseconds:0.0} ms"));
        Console.WriteLine(string.Create(ci, $"VMs placed: {placed}/{vmCount} on {ledger!.Placements.Select(p => p.Value.NodeName).Distinct().Count()} nodes"));
        Console.WriteLine(string.Create(ci, $"hugepage bytes placed / offered: {used / (double)(1L << 40):0.00} TiB / {offered / (double)(1L << 40):0.00} TiB ({100.0 * used / offered:0.0}%)"));
        return 0;
    }
}
