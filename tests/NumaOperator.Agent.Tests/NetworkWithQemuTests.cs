using k8s;
using NumaOperator.Agent.Runtime;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Qemu.Networking;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Agent.Tests;

/// <summary>
/// spec.interfaces end to end: the controller and the agent against an embedded API server, real QEMU (TCG) booting the
/// test Linux guest (tests/guest) on 2 MiB hugepages bound to host node 0. User-mode networking: the guest gets its
/// DHCP address and its httpd answers through the forwarded host port status shows. Taps: two VMs on a bridge in a
/// network namespace the test creates, one fetching the other's page over it. Every VM stays NUMA-aligned.
/// </summary>
[Collection(RealQemuGroup.Name)]
public sealed class NetworkWithQemuTests(QemuHost host) : IDisposable
{
    private const string Node = "net-node";
    private const long GuestPages = 96; // 192Mi of 2Mi pages: what the test guest boots in
    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(3);
    private readonly string stateDir = Path.Combine("/tmp", "nnq-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string imageRoot = Directory.CreateTempSubdirectory("numaop-net-images-").FullName;
    private readonly string netns = "nvmtest-" + Guid.NewGuid().ToString("N")[..6];
    private readonly List<Guid> uids = [];
    private bool netnsCreated;

    private AgentOptions Options() => AgentTestVms.QemuAgentOptions(Node, stateDir, imageRoot) with { PreflightRetryInterval = TimeSpan.FromMinutes(5) };

    /// <summary>The test guest on 2Mi hugepages bound to host node 0, booted from kernel + initramfs (+ a disk).</summary>
    private NumaVirtualMachine GuestVm(string name, string? cmdline, string? disk, long pages, params InterfaceSpec[] interfaces)
    {
        var boot = TestGuest.CopyInto(imageRoot);
        var vm = AgentTestVms.Vm(name, boot.Kernel);
        vm.Spec.Memory.Size = $"{pages * 2}Mi";
        vm.Spec.Boot!.Initrd = boot.Initrd;
        vm.Spec.Boot.Cmdline = TestGuest.Cmdline([$"numaguest.hostname={name}", .. cmdline is null ? Array.Empty<string>() : [cmdline]]);
        vm.Spec.Boot.Disk = disk is null ? null : new DiskSpec { Image = disk, Format = "raw" };
        vm.Spec.Interfaces = interfaces;
        return vm;
    }

    private static InterfaceSpec UserNet(int? hostPort = null) =>
        new() { Name = "default", UserNetwork = new UserNetworkSpec { PortForwards = [new PortForwardSpec { Name = "http", GuestPort = 80, HostPort = hostPort }] } };

    private static InterfaceSpec OnBridge(string bridge) => new() { Name = "lan", Bridge = new BridgeSpec { Name = bridge } };

    private string SerialLog(Guid uid) => Path.Combine(stateDir, "vms", uid.ToString("D"), "serial.log");

    private static async Task<(AgentFixture Fixture, AgentHost Agent)> StartAsync(AgentOptions options)
    {
        var fixture = await AgentFixture.StartAsync();
        await fixture.AddNodeAsync(Node);
        var (agent, _) = fixture.StartAgent(options);
        fixture.StartController();
        await agent.WaitReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        return (fixture, agent);
    }

    private static async Task<NumaVirtualMachine> WaitFailedAsync(AgentFixture fixture, string name) =>
        (await fixture.WaitForAsync(() => fixture.VmAsync(name), v => v?.Status?.Phase == "Failed", $"{name} Failed"))!;

    [SkippableFact]
    public async Task A_guest_on_user_networking_gets_its_dhcp_address_and_answers_through_the_host_port_status_shows()
    {
        Skip.IfNot(host.Available, QemuHost.SkipReason);
        using var pages = host.Reserve(GuestPages + 32 + 8); // the guest, and a 64Mi VM that fails pre-flight but keeps its placement
        var (fixture, _) = await StartAsync(Options());
        await using var _fixture = fixture;

        var created = await fixture.CreateVmAsync(GuestVm("web", null, null, GuestPages, UserNet()), uids);
        var uid = Guid.Parse(created.Metadata.Uid);
        var vm = (await fixture.WaitForAsync(() => fixture.VmAsync("web"), AgentTestVms.IsReady, "web Running, NumaAligned, Ready", seconds: 120))!;
        Assert.Equal("1.000", vm.Status!.Numastat!.LocalRatio);
        var nic = Assert.Single(vm.Status.Interfaces!);
        var forward = Assert.Single(nic.PortForwards!);
        Assert.Equal(("default", "http", "TCP", 80, "127.0.0.1"), (nic.Name, forward.Name, forward.Protocol, forward.GuestPort, forward.HostAddress));
        Assert.InRange(forward.HostPort, 1, 65535); // picked by the agent: the spec left it out
        Assert.Null(nic.Tap);

        Assert.Equal("eth0 10.0.2.15/24", await GuestSerial.WaitForMarkerAsync(SerialLog(uid), "ADDR", BootTimeout));
        Assert.Equal($"eth0 {nic.MacAddress}", GuestSerial.Markers(SerialLog(uid), "MAC").Single());
        await GuestSerial.WaitForMarkerAsync(SerialLog(uid), "READY", BootTimeout);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal("numaguest web\n", await http.GetStringAsync($"http://{forward.HostAddress}:{forward.HostPort}/"));

        // The same host port for another VM: refused by the pre-flight, nothing started.
        var clash = AgentTestVms.Vm("clash");
        clash.Spec.Interfaces = [UserNet(forward.HostPort)];
        var clashUid = Guid.Parse((await fixture.CreateVmAsync(clash, uids)).Metadata.Uid);
        var running = ConditionList.Find((await WaitFailedAsync(fixture, "clash")).Status!.Conditions, AgentConditions.Running)!;
        Assert.Equal(AgentConditions.ReasonPreflightFailed, running.Reason);
        Assert.Contains($"spec.interfaces[0].userNetwork.portForwards[0].hostPort: TCP 127.0.0.1:{forward.HostPort} is already in use", running.Message, StringComparison.Ordinal);
        Assert.Empty(QemuHost.QemuPids(clashUid));

        // Stopped: the forward's port is free again and status.interfaces is gone with the QEMU.
        await fixture.PatchVmAsync("web", """{"spec":{"running":false}}""");
        vm = (await fixture.WaitForAsync(() => fixture.VmAsync("web"), v => v?.Status?.Phase == "Stopped", "web Stopped"))!;
        Assert.Null(vm.Status!.Interfaces);
        Assert.Empty(QemuHost.QemuPids(uid));
        Assert.True(new SocketHostPorts().IsFree("TCP", "127.0.0.1", forward.HostPort));
    }

    [SkippableFact]
    public async Task Two_guests_on_taps_of_one_bridge_reach_each_other_and_the_agent_removes_every_tap_it_made()
    {
        Skip.IfNot(host.Available, QemuHost.SkipReason);
        Skip.IfNot(HasTools("ip", "genisoimage"), "needs iproute2 and genisoimage");
        using var pages = host.Reserve((2 * GuestPages) + 32 + 8);
        CreateNetnsWithBridge("br0");
        // A tap a previous agent made for a VM that is gone (no state dir): removed when the agent starts.
        var leftover = TapNames.For(Guid.NewGuid(), "lan");
        Ip("tuntap", "add", "dev", leftover, "mode", "tap");
        Ip("link", "set", "dev", leftover, "alias", TapNames.Owner(Guid.NewGuid(), "lan"));
        var (fixture, _) = await StartAsync(Options() with { NetworkNamespace = netns });
        await using var _fixture = fixture;
        Assert.DoesNotContain(leftover, Ip("-o", "link", "show"), StringComparison.Ordinal);

        // Guest a runs a NoCloud user script (tests/guest) that fetches guest b's page over the bridge.
        // (No wget -T: busybox 1.35-static wget segfaults with it; an unreachable host fails on its own after the ARP timeout.)
        WriteSeed("fetch-seed.iso", "#!/bin/sh\nfor i in $(seq 1 90); do wget -q -O - http://10.99.0.3/ && exit 0; sleep 1; done\necho FETCH-FAILED\n");
        var b = await fixture.CreateVmAsync(GuestVm("vmb", "numaguest.ip.eth0=10.99.0.3/24", null, GuestPages, OnBridge("br0")), uids);
        var a = await fixture.CreateVmAsync(GuestVm("vma", "numaguest.ip.eth0=10.99.0.2/24", "fetch-seed.iso", GuestPages, OnBridge("br0")), uids);
        var (uidA, uidB) = (Guid.Parse(a.Metadata.Uid), Guid.Parse(b.Metadata.Uid));

        var taps = new List<string>();
        foreach (var (name, uid) in new[] { ("vma", uidA), ("vmb", uidB) })
        {
            var vm = (await fixture.WaitForAsync(() => fixture.VmAsync(name), AgentTestVms.IsReady, $"{name} Ready", seconds: 120))!;
            Assert.Equal("1.000", vm.Status!.Numastat!.LocalRatio); // bound to host node 0 on 2Mi pages, measured there
            var nic = Assert.Single(vm.Status.Interfaces!);
            Assert.Equal((TapNames.For(uid, "lan"), "br0"), (nic.Tap, nic.Bridge));
            Assert.Contains($"master br0", Ip("-o", "link", "show", "dev", nic.Tap!), StringComparison.Ordinal);
            Assert.Equal($"eth0 {nic.MacAddress}", await GuestSerial.WaitForMarkerAsync(SerialLog(uid), "MAC", BootTimeout));
            taps.Add(nic.Tap!);
        }

        var fetched = await Eventually.UntilAsync(
            () => Task.FromResult(GuestSerial.Block(SerialLog(uidA), "USERSCRIPT")),
            lines => lines is not null,
            BootTimeout,
            "vma's user script finished",
            context: () => "vma serial tail:\n" + string.Join('\n', GuestSerial.Lines(SerialLog(uidA)).TakeLast(20)));
        Assert.Contains("numaguest vmb", fetched!);
        Assert.True(AgentTestVms.IsReady(await fixture.VmAsync("vma")));

        // A bridge the node does not have: refused by the pre-flight, no tap made.
        var lost = AgentTestVms.Vm("lost");
        lost.Spec.Interfaces = [OnBridge("br9")];
        var lostUid = Guid.Parse((await fixture.CreateVmAsync(lost, uids)).Metadata.Uid);
        var running = ConditionList.Find((await WaitFailedAsync(fixture, "lost")).Status!.Conditions, AgentConditions.Running)!;
        Assert.Contains($"spec.interfaces[0].bridge.name: no bridge \"br9\" in network namespace {netns}", running.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(TapNames.For(lostUid, "lan"), Ip("-o", "link", "show"), StringComparison.Ordinal);

        foreach (var name in new[] { "vma", "vmb", "lost" })
        {
            await fixture.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, name);
            await fixture.WaitForAsync(() => fixture.VmAsync(name), v => v is null, $"{name} gone");
        }

        Assert.Empty(QemuHost.QemuPids(uidA).Concat(QemuHost.QemuPids(uidB)));
        var links = Ip("-o", "link", "show");
        Assert.All(taps, tap => Assert.DoesNotContain(tap, links, StringComparison.Ordinal));
    }

    private static bool HasTools(params string[] tools) =>
        tools.All(t => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(d => File.Exists(Path.Combine(d, t))));

    private void CreateNetnsWithBridge(string bridge)
    {
        ChildProcess.Check("ip", "netns", "add", netns);
        netnsCreated = true;
        Ip("link", "set", "lo", "up");
        Ip("link", "add", bridge, "type", "bridge");
        Ip("link", "set", bridge, "up");
    }

    /// <summary>ip in the test's network namespace; its stdout.</summary>
    private string Ip(params string[] args)
    {
        var (code, stdout, stderr) = ChildProcess.RunAsync(ChildProcess.Start("ip", ["-n", netns, .. args]), TimeSpan.FromSeconds(20), "ip " + string.Join(' ', args)).GetAwaiter().GetResult();
        return code == 0 ? stdout : throw new InvalidOperationException($"ip -n {netns} {string.Join(' ', args)}: {stderr}");
    }

    /// <summary>A NoCloud seed (an ISO 9660 image with volume id cidata, built with genisoimage) holding user-data, under the image root.</summary>
    private void WriteSeed(string name, string userData)
    {
        var content = Directory.CreateDirectory(Path.Combine(imageRoot, name + ".d")).FullName;
        File.WriteAllText(Path.Combine(content, "user-data"), userData);
        ChildProcess.Check("genisoimage", "-quiet", "-output", Path.Combine(imageRoot, name), "-volid", "cidata", "-rock", content);
    }

    public void Dispose()
    {
        QemuHost.CleanUp(uids, stateDir, imageRoot);
        if (netnsCreated)
        {
            ChildProcess.Check("ip", "netns", "del", netns);
        }
    }
}
