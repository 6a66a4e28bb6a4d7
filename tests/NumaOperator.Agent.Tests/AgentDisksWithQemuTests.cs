using k8s;
using System.Security.Cryptography;
using NumaOperator.Agent.Runtime;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Qemu.Host;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Agent.Tests;

/// <summary>
/// Per-VM disks end to end: the controller and the agent against the embedded API server, real QEMU (TCG) with
/// 2 MiB hugepages booting the test Linux guest (tests/guest) from one shared raw ext4 base image. Each VM writes to
/// its own copy-on-write overlay, keeps it across stop/start, loses it when deleted; the base is never written; the
/// NoCloud seed the agent built reaches the guest; a data disk appears with its size; image access is enforced.
/// </summary>
[Collection(RealQemuGroup.Name)]
public sealed class AgentDisksWithQemuTests(QemuHost host) : IDisposable
{
    private const string Node = "qemu-node";
    private const string MemorySize = "192Mi";
    private const long VmPages = 96; // 192Mi of 2Mi pages
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(120);
    private readonly string stateDir = Path.Combine("/tmp", "nad-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string imageRoot = Directory.CreateTempSubdirectory("numaop-agent-disks-").FullName;
    private readonly List<Guid> uids = [];

    private AgentOptions Options() => new()
    {
        NodeName = Node,
        StateDirectory = stateDir,
        ImageRoot = imageRoot,
        ImageAccess = ImageAccess.Parse(["*=test-guest"], out _),
        SampleInterval = TimeSpan.FromSeconds(2),
        LivenessInterval = TimeSpan.FromMilliseconds(500),
        StopGrace = TimeSpan.FromSeconds(1),
        TopologyPollInterval = TimeSpan.FromMilliseconds(500),
        HeartbeatInterval = TimeSpan.FromSeconds(5),
    };

    private static NumaVirtualMachine GuestVm(string name, TestGuestBoot boot, string write, Action<NumaVirtualMachineSpec>? change = null)
    {
        var vm = AgentTestVms.Vm(name);
        vm.Spec.Memory.Size = MemorySize;
        vm.Spec.Boot = new BootSpec { Kernel = boot.Kernel, Initrd = boot.Initrd, Cmdline = TestGuest.Cmdline("numaguest.write=" + write), Disk = new DiskSpec { Image = boot.Disk } };
        change?.Invoke(vm.Spec);
        return vm;
    }

    /// <summary>A block's lines without the empty ones the guest's printing adds around a file.</summary>
    private static string[] Text(IReadOnlyList<string>? block) => block is null ? ["(no such block)"] : [.. block.Where(l => l.Length > 0)];

    private string SerialLog(Guid uid) => Path.Combine(stateDir, "vms", uid.ToString("D"), "serial.log");

    private string DiskDir(Guid uid) => Path.Combine(stateDir, "disks", uid.ToString("D"));

    private static IReadOnlyList<string> DiskFiles(string serial) =>
        [.. GuestSerial.Markers(serial, "DISK-FILES").Single().Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];

    /// <summary>spec.running true again with a cmdline that makes the guest write <paramref name="file"/>.</summary>
    private static string RestartWriting(string file) =>
        """{"spec":{"running":true,"boot":{"cmdline":""" + "\"" + TestGuest.Cmdline("numaguest.write=" + file) + "\"}}}";

    private static async Task DeleteAsync(AgentFixture fixture, string name) =>
        await fixture.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, name);

    [SkippableFact]
    public async Task Two_vms_on_one_base_image_write_apart_keep_their_writes_get_their_seed_and_lose_their_disks_when_deleted()
    {
        Skip.IfNot(host.Available, QemuHost.SkipReason);
        var boot = TestGuest.CopyInto(imageRoot);
        var basePath = Path.Combine(imageRoot, boot.Disk);
        var baseSum = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(basePath)));
        Directory.CreateDirectory(Path.Combine(imageRoot, "private"));
        File.Copy(basePath, Path.Combine(imageRoot, "private", "disk.raw"));
        using var pages = host.Reserve((3 * VmPages) + 8); // the refused VM keeps its placement (capacity), two run
        await using var fixture = await AgentFixture.StartAsync();
        await fixture.AddNodeAsync(Node);
        var (agent, _) = fixture.StartAgent(Options());
        fixture.StartController();
        await agent.WaitReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        // A base image outside the directories the namespace may use: refused, nothing started, no disks.
        var denied = await fixture.CreateVmAsync(GuestVm("denied", boot with { Disk = "private/disk.raw" }, "x"), uids);
        var refused = await fixture.WaitForAsync(() => fixture.VmAsync("denied"), v => v?.Status?.Phase == AgentConditions.PhaseFailed, "denied Failed");
        var why = ConditionList.Find(refused!.Status!.Conditions, AgentConditions.Running)!;
        Assert.Equal(AgentConditions.ReasonBadBootFile, why.Reason);
        Assert.Contains("spec.boot.disk.image: \"private/disk.raw\" is not allowed for namespace default: it may use files under test-guest/", why.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(DiskDir(Guid.Parse(denied.Metadata.Uid))));

        var a = Guid.Parse((await fixture.CreateVmAsync(GuestVm("vm-a", boot, "a", s =>
        {
            s.Disks = [new DataDiskSpec { Name = "data", Size = "32Mi" }];
            s.CloudInit = new CloudInitSpec { UserData = "#!/bin/sh\necho hello-from-user-data\n" };
        }), uids)).Metadata.Uid);
        var b = Guid.Parse((await fixture.CreateVmAsync(GuestVm("vm-b", boot, "b"), uids)).Metadata.Uid);
        await fixture.WaitForAsync(() => fixture.VmAsync("vm-a"), AgentTestVms.IsReady, "vm-a Running, NumaAligned, Ready", seconds: 90);
        await fixture.WaitForAsync(() => fixture.VmAsync("vm-b"), AgentTestVms.IsReady, "vm-b Running, NumaAligned, Ready", seconds: 90);
        await GuestSerial.WaitForMarkerAsync(SerialLog(a), "READY", Boot);
        await GuestSerial.WaitForMarkerAsync(SerialLog(b), "READY", Boot);

        // The seed: user-data as written, meta-data naming the VM, the #! user-data run; the data disk is vdb with its size.
        Assert.Equal(["#!/bin/sh", "echo hello-from-user-data"], Text(GuestSerial.Block(SerialLog(a), "USERDATA")));
        Assert.Equal(["hello-from-user-data"], Text(GuestSerial.Block(SerialLog(a), "USERSCRIPT")));
        Assert.Equal([$"instance-id: {a:D}", "local-hostname: vm-a"], Text(GuestSerial.Block(SerialLog(a), "METADATA")));
        var blocks = GuestSerial.Markers(SerialLog(a), "BLOCK");
        Assert.Contains("vda 67108864", blocks);
        Assert.Contains("vdb 33554432", blocks);
        Assert.Equal(3, blocks.Count); // vda root overlay, vdb data, vdc seed
        Assert.Null(GuestSerial.Block(SerialLog(b), "USERDATA"));
        Assert.Equal(["a", "base.txt"], DiskFiles(SerialLog(a)));
        Assert.Equal(["b", "base.txt"], DiskFiles(SerialLog(b)));

        // Stop both, start them again writing a second file: each sees its own earlier write, never the other's.
        await fixture.PatchVmAsync("vm-a", """{"spec":{"running":false}}""");
        await fixture.PatchVmAsync("vm-b", """{"spec":{"running":false}}""");
        await fixture.WaitForAsync(() => fixture.VmAsync("vm-a"), v => v?.Status?.Phase == AgentConditions.PhaseStopped, "vm-a Stopped");
        await fixture.WaitForAsync(() => fixture.VmAsync("vm-b"), v => v?.Status?.Phase == AgentConditions.PhaseStopped, "vm-b Stopped");
        Assert.True(File.Exists(Path.Combine(DiskDir(a), "root.qcow2")));
        Assert.True(File.Exists(Path.Combine(DiskDir(a), "data-data.qcow2")));
        await fixture.PatchVmAsync("vm-a", RestartWriting("a2"));
        await fixture.PatchVmAsync("vm-b", RestartWriting("b2"));
        await fixture.WaitForAsync(() => fixture.VmAsync("vm-a"), AgentTestVms.IsReady, "vm-a Ready again", seconds: 90);
        await fixture.WaitForAsync(() => fixture.VmAsync("vm-b"), AgentTestVms.IsReady, "vm-b Ready again", seconds: 90);
        await GuestSerial.WaitForMarkerAsync(SerialLog(a), "READY", Boot);
        await GuestSerial.WaitForMarkerAsync(SerialLog(b), "READY", Boot);
        Assert.Equal(["a", "a2", "base.txt"], DiskFiles(SerialLog(a)));
        Assert.Equal(["b", "b2", "base.txt"], DiskFiles(SerialLog(b)));
        Assert.Equal(baseSum, Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(basePath))));

        // Deleting a VM removes its disks; the other VM and the base stay.
        await DeleteAsync(fixture, "vm-a");
        await fixture.WaitForAsync(() => fixture.VmAsync("vm-a"), v => v is null, "vm-a gone");
        await Eventually.HoldsAsync(() => !Directory.Exists(DiskDir(a)), TimeSpan.FromSeconds(15), "vm-a's disk dir removed", TimeSpan.FromMilliseconds(100));
        Assert.True(File.Exists(Path.Combine(DiskDir(b), "root.qcow2")));
        Assert.True(AgentTestVms.IsReady(await fixture.VmAsync("vm-b")));

        await DeleteAsync(fixture, "vm-b");
        await DeleteAsync(fixture, "denied");
        await fixture.WaitForAsync(() => fixture.VmAsync("vm-b"), v => v is null, "vm-b gone");
        await Eventually.HoldsAsync(() => !Directory.Exists(DiskDir(b)), TimeSpan.FromSeconds(15), "vm-b's disk dir removed", TimeSpan.FromMilliseconds(100));
        Assert.Equal(baseSum, Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(basePath))));
    }

    public void Dispose() => QemuHost.CleanUp(uids, stateDir, imageRoot);
}
