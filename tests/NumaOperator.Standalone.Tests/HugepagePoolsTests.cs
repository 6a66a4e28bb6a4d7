using NumaOperator.Cli.Standalone;

namespace NumaOperator.Standalone.Tests;

/// <summary>Hugepage pools read and written through a fixture sysfs tree (no root needed, the host untouched).</summary>
public sealed class HugepagePoolsTests : IDisposable
{
    private const long TwoMi = 2L << 20;
    private readonly string root = Directory.CreateTempSubdirectory("numaop-sysfs-").FullName;

    [Fact]
    public void Per_node_pools_are_read_and_raised()
    {
        Pool("sys/devices/system/node/node0/hugepages/hugepages-2048kB", nr: 8, free: 8);
        Pool("sys/devices/system/node/node1/hugepages/hugepages-2048kB", nr: 0, free: 0);
        Pool("sys/kernel/mm/hugepages/hugepages-2048kB", nr: 8, free: 8);
        var pools = new HugepagePools(root);
        Assert.Equal([new HugepagePoolReading(0, TwoMi, 8, 8), new HugepagePoolReading(1, TwoMi, 0, 0)], pools.Read(TwoMi));
        Assert.Equal(64, pools.SetTotal(1, TwoMi, 64));
        Assert.Equal("64", File.ReadAllText(Path.Combine(root, "sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages")));
        Assert.False(pools.Supports(1L << 30));
    }

    [Fact]
    public void Nodes_are_read_in_id_order_and_only_node_directories_with_the_pool_count()
    {
        Pool("sys/devices/system/node/node10/hugepages/hugepages-2048kB", nr: 10, free: 1);
        Pool("sys/devices/system/node/node2/hugepages/hugepages-2048kB", nr: 2, free: 2);
        Pool("sys/devices/system/node/node3/hugepages/hugepages-1048576kB", nr: 1, free: 1); // 1Gi only
        Pool("sys/devices/system/node/nodeX/hugepages/hugepages-2048kB", nr: 5, free: 5);
        Pool("sys/devices/system/node/power/hugepages/hugepages-2048kB", nr: 5, free: 5);
        Pool("sys/kernel/mm/hugepages/hugepages-2048kB", nr: 12, free: 3);
        var pools = new HugepagePools(root);

        Assert.Equal([new HugepagePoolReading(2, TwoMi, 2, 2), new HugepagePoolReading(10, TwoMi, 10, 1)], pools.Read(TwoMi));
        Assert.Equal([new HugepagePoolReading(3, 1L << 30, 1, 1)], pools.Read(1L << 30));
        Assert.True(pools.Supports(1L << 30)); // on a node only, not in the host-wide directory
        Assert.Equal(Path.Combine(root, "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"), pools.TotalFile(null, TwoMi));
        Assert.Equal(new HugepagePoolReading(null, TwoMi, 12, 3), pools.ReadPool(null, TwoMi));
    }

    [Fact]
    public void Without_node_directories_the_whole_host_pool_is_used()
    {
        Pool("sys/kernel/mm/hugepages/hugepages-2048kB", nr: 4, free: 2);
        Assert.Equal([new HugepagePoolReading(null, TwoMi, 4, 2)], new HugepagePools(root).Read(TwoMi));
    }

    [Fact]
    public void The_commands_for_root_raise_each_short_pool_to_the_right_total()
    {
        Pool("sys/devices/system/node/node0/hugepages/hugepages-2048kB", nr: 10, free: 4);
        Pool("sys/devices/system/node/node1/hugepages/hugepages-2048kB", nr: 100, free: 100);
        var reservation = new HugepageReservation(new HugepagePools(root), Path.Combine(root, "data"), TextWriter.Null);
        var commands = reservation.CommandsForRoot([HugepageRequest.Parse("2Mi:64")], new Dictionary<int, long>());
        Assert.Equal($"echo 70 | sudo tee {root}/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages", commands[0]);
        Assert.DoesNotContain(commands, c => c.Contains("node1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_raise_the_record_cannot_hold_is_given_back_before_the_error()
    {
        Pool("sys/devices/system/node/node0/hugepages/hugepages-2048kB", nr: 10, free: 4);
        var blocker = Path.Combine(root, "not-a-directory");
        File.WriteAllText(blocker, string.Empty);
        var reservation = new HugepageReservation(new HugepagePools(root), Path.Combine(blocker, "data"), TextWriter.Null);

        await Assert.ThrowsAnyAsync<IOException>(() => reservation.ReserveAsync([HugepageRequest.Parse("2Mi:64")], _ => new Dictionary<int, long>(), CancellationToken.None));
        Assert.Equal("10", File.ReadAllText(Path.Combine(root, "sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages")));
    }

    [Fact]
    public async Task A_record_written_by_an_earlier_run_is_given_back()
    {
        Pool("sys/devices/system/node/node0/hugepages/hugepages-2048kB", nr: 74, free: 74);
        var data = Directory.CreateDirectory(Path.Combine(root, "data")).FullName;
        File.WriteAllText(Path.Combine(data, HugepageReservation.RecordFileName), """
            {
              "raised": [ { "node": 0, "pageBytes": 2097152, "pages": 64 } ],
              "mounts": [],
              "isEmpty": false
            }
            """);
        var reservation = new HugepageReservation(new HugepagePools(root), data, TextWriter.Null);

        Assert.Equal([new RaisedPool(0, TwoMi, 64)], reservation.Load().Raised);
        await reservation.ReleaseAsync(CancellationToken.None);
        Assert.Equal("10", File.ReadAllText(Path.Combine(root, "sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages")));
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private void Pool(string relative, long nr, long free)
    {
        var dir = Path.Combine(root, relative);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "nr_hugepages"), nr.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.WriteAllText(Path.Combine(dir, "free_hugepages"), free.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
