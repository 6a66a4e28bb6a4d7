using NumaOperator.Api.Conversion;
using NumaOperator.Numa.Discovery;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Api.Tests.Conversion;

/// <summary>The NumaNodeTopology status written by the agent reads back as the topology it was made from.</summary>
public sealed class TopologyConversionTests
{
    [Theory]
    [InlineData("laptop-1node")]
    [InlineData("intel-2s-smt")]
    [InlineData("amd-epyc-nps4")]
    [InlineData("cxl-memory-only")]
    [InlineData("offline-cpus")]
    [InlineData("gigantic-1g")]
    [InlineData("asymmetric-hugepages")]
    public void Every_fixture_survives_the_NumaNodeTopology_round_trip(string machine)
    {
        var topology = new SysfsTopologyReader(RepoPaths.Fixture("sysfs", machine)).Read().Topology;

        var readBack = TopologyConversion.FromStatus(TopologyConversion.ToStatus(topology));

        Assert.Equal(topology.NumaNodes.Select(n => (n.Id, n.Cpus, n.MemoryBytes)), readBack.NumaNodes.Select(n => (n.Id, n.Cpus, n.MemoryBytes)));
        Assert.Equal(topology.NumaNodes.SelectMany(n => n.Cores), readBack.NumaNodes.SelectMany(n => n.Cores));
        Assert.Equal(topology.NumaNodes.SelectMany(n => n.Distances), readBack.NumaNodes.SelectMany(n => n.Distances));
    }
}
