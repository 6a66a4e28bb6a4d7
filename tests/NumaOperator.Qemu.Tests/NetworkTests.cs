using NumaOperator.Numa.Quantities;
using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Networking;
using NumaOperator.Qemu.Preflight;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Qemu.Tests;

/// <summary>NICs on QEMU's command line, tap names, and the host-side pre-flight against a fake host.</summary>
public sealed class NetworkTests
{
    private static readonly Guid Uid = Guid.Parse("0b7c4a52-5d0e-4c86-a7d5-3f1f2d6c9e11");

    private static IReadOnlyList<VmNic> TwoNics(bool vhost) =>
    [
        new VmNic("default", "52:54:00:12:34:56", new NicBackend.UserNetwork([
            new HostForward("http", "TCP", 80, "127.0.0.1", 8080),
            new HostForward(null, "UDP", 53, "0.0.0.0", 5353),
        ])),
        new VmNic("lan", "02:aa:bb:cc:dd:ee", new NicBackend.Tap(TapNames.For(Uid, "lan"), "br0", vhost)),
    ];

    [Fact]
    public void Argv_with_a_user_network_and_a_tap_matches_snapshot()
    {
        var argv = QemuArgvBuilder.Build("/usr/bin/qemu-system-x86_64", TestSpecs.SeedVm() with { Nics = TwoNics(vhost: true) }, TestSpecs.Qemu72);
        SnapshotFile.AssertMatches(RepoPaths.Combine("tests", "NumaOperator.Qemu.Tests", "Snapshots", "seed-vm-two-nics.argv"), string.Join('\n', argv) + "\n");
    }

    [Fact]
    public void Each_nic_is_a_netdev_and_a_virtio_net_device_with_its_mac_in_spec_order()
    {
        var argv = NetworkArgv.For(TwoNics(vhost: false));
        Assert.Equal(
            [
                "-netdev", "user,id=net0,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp:0.0.0.0:5353-:53",
                "-device", "virtio-net-pci,netdev=net0,id=nic0,mac=52:54:00:12:34:56,romfile=",
                "-netdev", $"tap,id=net1,ifname={TapNames.For(Uid, "lan")},script=no,downscript=no,vhost=off",
                "-device", "virtio-net-pci,netdev=net1,id=nic1,mac=02:aa:bb:cc:dd:ee,romfile=",
            ],
            argv);
        Assert.Empty(NetworkArgv.For([]));
    }

    [Fact]
    public void Tap_names_are_deterministic_fit_ifnamsiz_and_carry_their_owner_in_the_alias()
    {
        var name = TapNames.For(Uid, "lan");
        Assert.Equal(name, TapNames.For(Uid, "lan"));
        Assert.Equal(15, name.Length);
        Assert.Matches("^nvm[0-9a-f]{12}$", name);
        Assert.NotEqual(name, TapNames.For(Uid, "lan2"));
        Assert.NotEqual(name, TapNames.For(Guid.NewGuid(), "lan"));
        Assert.Equal(Uid, TapNames.OwnerUid(TapNames.Owner(Uid, "lan")));
        Assert.Null(TapNames.OwnerUid("someone else's tap"));
        Assert.Null(TapNames.OwnerUid(null));
    }

    [Fact]
    public void Preflight_names_an_unknown_bridge_and_a_taken_port_and_resolves_nothing()
    {
        var host = new FakeHost { Bridges = ["br0"], TakenPorts = [("TCP", "127.0.0.1", 8080)] };
        var requests = new[]
        {
            new NicRequest(0, "default", "52:54:00:12:34:56", [new ForwardRequest("http", "TCP", 80, "127.0.0.1", 8080)], null),
            new NicRequest(1, "lan", "02:aa:bb:cc:dd:ee", null, "br9"),
        };
        var e = Assert.Throws<PreflightException>(() => NetworkPreflight.Resolve(Uid, requests, host, host));
        Assert.False(e.IsBadInput);
        Assert.Equal(
            "spec.interfaces[1].bridge.name: no bridge \"br9\" in this test host (/sys/class/net/br9/bridge is missing); "
            + "spec.interfaces[0].userNetwork.portForwards[0].hostPort: TCP 127.0.0.1:8080 is already in use in this test host",
            e.Message);
        Assert.Empty(host.Picked);
    }

    [Fact]
    public void Preflight_picks_free_ports_where_the_spec_has_none_and_uses_vhost_only_when_the_kernel_has_it()
    {
        foreach (var vhost in new[] { true, false })
        {
            var host = new FakeHost { Bridges = ["br0"], Vhost = vhost };
            var requests = new[]
            {
                new NicRequest(0, "default", "52:54:00:12:34:56", [new ForwardRequest("http", "TCP", 80, "127.0.0.1", null), new ForwardRequest(null, "TCP", 22, "127.0.0.1", 2222), new ForwardRequest(null, "UDP", 53, "0.0.0.0", null)], null),
                new NicRequest(1, "lan", "02:aa:bb:cc:dd:ee", null, "br0"),
            };
            var nics = NetworkPreflight.Resolve(Uid, requests, host, host);
            var user = Assert.IsType<NicBackend.UserNetwork>(nics[0].Backend);
            Assert.Equal([40000, 2222, 40001], user.Forwards.Select(f => f.HostPort));
            Assert.Equal([("TCP", "127.0.0.1"), ("UDP", "0.0.0.0")], host.Picked);
            Assert.Equal(new NicBackend.Tap(TapNames.For(Uid, "lan"), "br0", vhost), nics[1].Backend);
            Assert.Equal("02:aa:bb:cc:dd:ee", nics[1].MacAddress);
        }
    }

    [Fact]
    public void Vhost_workers_are_the_kernel_threads_named_after_the_qemu_pid()
    {
        var proc = Directory.CreateTempSubdirectory("numaop-proc-").FullName;
        try
        {
            foreach (var (pid, comm) in new[] { (4242, "qemu-system-x86"), (4300, "vhost-4242"), (4301, "vhost-4242"), (4302, "vhost-999"), (4303, "kworker/0:1") })
            {
                Directory.CreateDirectory(Path.Combine(proc, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                File.WriteAllText(Path.Combine(proc, pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "comm"), comm + "\n");
            }

            Directory.CreateDirectory(Path.Combine(proc, "self"));
            Assert.Equal([4300, 4301], VhostWorkers.Find(4242, proc).Order());
        }
        finally
        {
            Directory.Delete(proc, recursive: true);
        }
    }

    private sealed class FakeHost : IHostNetwork, IHostPorts
    {
        private int next = 40000;

        public HashSet<string> Bridges { get; init; } = [];

        public List<(string Protocol, string Address, int Port)> TakenPorts { get; init; } = [];

        public List<(string Protocol, string Address)> Picked { get; } = [];

        public bool Vhost { get; init; }

        public string Where => "this test host";

        public bool VhostNetAvailable => Vhost;

        public bool IsBridge(string name) => Bridges.Contains(name);

        public void CreateTap(string tap, string bridge, string owner) => throw new NotSupportedException("pre-flight creates nothing");

        public void DeleteTap(string tap) => throw new NotSupportedException("pre-flight removes nothing");

        public IReadOnlyList<(string Tap, string Owner)> OwnedTaps() => [];

        public bool IsFree(string protocol, string address, int port) => !TakenPorts.Contains((protocol, address, port));

        public IReadOnlyList<int> PickFree(IReadOnlyList<(string Protocol, string Address)> sockets)
        {
            Picked.AddRange(sockets);
            return [.. sockets.Select(_ => next++)];
        }
    }
}
