using NumaOperator.Numa.Discovery;
using NumaOperator.Numa.Quantities;
using Xunit;

namespace NumaOperator.Numa.Tests.Discovery;

public sealed class CoreGroupingTests
{
    private static Dictionary<int, CpuSet> Siblings(params (int Cpu, string List)[] entries) =>
        entries.ToDictionary(e => e.Cpu, e => CpuSet.Parse(e.List));

    [Fact]
    public void Siblings_form_one_core_ordered_by_lowest_cpu()
    {
        var cores = CoreGrouping.Cores(CpuSet.Parse("0-1,32-33"), Siblings((0, "0,32"), (32, "0,32"), (1, "1,33"), (33, "1,33")));

        Assert.Equal(["0,32", "1,33"], cores.Select(c => c.ToString()));
    }

    [Fact]
    public void Siblings_outside_the_node_cpus_are_dropped()
    {
        var cores = CoreGrouping.Cores(CpuSet.Parse("1"), Siblings((1, "1,9")));

        Assert.Equal(["1"], cores.Select(c => c.ToString()));
    }

    [Fact]
    public void A_cpu_without_sibling_facts_is_its_own_core()
    {
        var cores = CoreGrouping.Cores(CpuSet.Parse("0-1"), Siblings((0, "0")));

        Assert.Equal(["0", "1"], cores.Select(c => c.ToString()));
    }

    [Fact]
    public void Inconsistent_sibling_lists_never_put_a_cpu_in_two_cores()
    {
        // cpu1 claims 0 as a sibling although cpu0 does not: each CPU still lands in exactly one core
        var cores = CoreGrouping.Cores(CpuSet.Parse("0-2"), Siblings((0, "0,2"), (1, "0,1"), (2, "0,2")));

        Assert.Equal(3, cores.Sum(c => c.Count));
        Assert.Equal(["0,2", "1"], cores.Select(c => c.ToString()));
    }

    [Fact]
    public void A_memory_only_node_has_no_cores() => Assert.Empty(CoreGrouping.Cores(CpuSet.Empty, Siblings()));
}
