using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using NumaOperator.Agent.Runtime;
using NumaOperator.Numa.Discovery;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;
using NumaOperator.Qemu.Migration;
using NumaOperator.Qemu.Preflight;
using NumaOperator.Tests.Shared;
using Xunit.Abstractions;

namespace NumaOperator.Agent.Tests;

/// <summary>
/// Live migration through the agent's runtime layer with real QEMU (TCG) on this one host: the test guest on 2 MiB
/// pages bound to host node 0 counts on its serial console (a shell loop printing NUMAGUEST-COUNT n every second);
/// a second QEMU of the same VM starts paused with -incoming defer in STATE/incoming/UID and receives it.
/// </summary>
[Collection(RealQemuGroup.Name)]
public sealed class LiveMigrationWithQemuTests(QemuHost host, ITestOutputHelper output) : IDisposable
{
    private const long MemoryBytes = 192L << 20;
    private const long VmPages = MemoryBytes / QemuHost.PageBytes;
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan Move = TimeSpan.FromSeconds(60);
    private readonly string stateDir = Path.Combine("/tmp", "nmg-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string imageRoot = Directory.CreateTempSubdirectory("numaop-migration-").FullName;
    private readonly Guid uid = Guid.NewGuid();

    [SkippableFact]
    public async Task A_running_guest_moves_to_an_incoming_qemu_that_is_bound_to_node_0_keeps_counting_and_the_source_pages_are_freed()
    {
        Skip.IfNot(host.Available, QemuHost.SkipReason);
        using var pages = host.Reserve((2 * VmPages) + 4);
        var freeBefore = host.FreePages;
        var (runtime, request) = await SetUpAsync();
        var source = await StartCountingSourceAsync(runtime, request);
        var incoming = await runtime.StartIncomingAsync(runtime.Prepare(request with { Incoming = true }), CancellationToken.None);
        Assert.Equal(VmRunState.InMigrate, await runtime.RunStateAsync(incoming.Process, CancellationToken.None));
        Assert.Equal(freeBefore - (2 * VmPages), host.FreePages);

        await runtime.StartMigrationAsync(source, Address(incoming), new MigrationSettings(null, BlockMigrate: false), CancellationToken.None);
        var sent = await EndOfStreamAsync(runtime, source);
        Assert.True(sent.Status == MigrationStatuses.Completed, $"source migration {sent.Status}: {sent.ErrorDescription}");
        Assert.True(sent.DowntimeMilliseconds >= 0 && sent.RamTransferred > 0, $"downtime {sent.DowntimeMilliseconds} ms, {sent.RamTransferred} bytes sent");
        output.WriteLine($"migrated {sent.DataProcessed} bytes of {sent.DataTotal} in {sent.TotalTimeMilliseconds} ms, {sent.DirtySyncCount} passes, downtime {sent.DowntimeMilliseconds} ms");
        Assert.Equal(VmRunState.PostMigrate, await runtime.RunStateAsync(source, CancellationToken.None));
        var received = await EndOfStreamAsync(runtime, incoming.Process);
        Assert.Equal(MigrationStatuses.Completed, received.Status);
        Assert.Equal(VmRunState.Paused, await runtime.RunStateAsync(incoming.Process, CancellationToken.None));

        // Measured while still paused: every guest page on host node 0, in the VM's own hugepage backend.
        var sample = Assert.IsType<VmSample.Measured>(await runtime.SampleAsync(incoming.Process, request.Placement, CancellationToken.None));
        Assert.True(sample.Verdict.Aligned, sample.Verdict.Message);
        Assert.Equal([0], sample.Measurement.GuestRamBytesByNode.Keys);
        Assert.Equal(MemoryBytes, sample.Measurement.GuestRamBytesByNode[0]);
        Assert.Equal(["bind:0"], sample.Measurement.GuestNodes.Single().Policies);

        var countAtSwitch = Counts(runtime.StatePaths(uid).SerialLog).LastOrDefault();
        await runtime.ResumeAsync(incoming.Process, CancellationToken.None);
        await runtime.StopPausedAsync(source, CancellationToken.None);
        Assert.False(runtime.HasStateDirectory(uid));
        Assert.Equal(freeBefore - VmPages, host.FreePages);
        await runtime.HandOverAsync(uid, incoming.Process, CancellationToken.None);
        Assert.False(runtime.HasIncomingDirectory(uid));
        var adopted = await runtime.AdoptAsync(uid, CancellationToken.None);
        Assert.Equal(incoming.Process.Pid, adopted.Pid);
        Assert.Equal([adopted.Pid], QemuHost.QemuPids(uid));

        // The counter goes on in the target's serial log (now STATE/vms/UID's), from where the source left it.
        var serial = runtime.StatePaths(uid).SerialLog;
        var counts = await Eventually.UntilAsync(
            () => Task.FromResult(Counts(serial)), c => c.Count >= 3, Boot, "three NUMAGUEST-COUNT lines from the target",
            describe: c => string.Join(',', c), context: () => string.Join('\n', GuestSerial.Lines(serial).TakeLast(20)));
        Assert.True(counts[0] >= countAtSwitch, $"the target's counter starts at {counts[0]}, the source had reached {countAtSwitch}");
        Assert.True(counts.Zip(counts.Skip(1)).All(p => p.Second == p.First + 1), "the counter never went back: " + string.Join(',', counts));
        await runtime.StopAsync(adopted, CancellationToken.None);
        Assert.Equal(freeBefore, host.FreePages);
    }

    [SkippableFact]
    public async Task A_target_killed_mid_migration_fails_the_stream_and_leaves_the_source_running_and_counting()
    {
        Skip.IfNot(host.Available, QemuHost.SkipReason);
        using var pages = host.Reserve((2 * VmPages) + 4);
        var (runtime, request) = await SetUpAsync();
        var source = await StartCountingSourceAsync(runtime, request);
        var incoming = await runtime.StartIncomingAsync(runtime.Prepare(request with { Incoming = true }), CancellationToken.None);

        // 4 MiB/s: the guest's non-zero pages take seconds, so the stream is surely still active when the target dies.
        await runtime.StartMigrationAsync(source, Address(incoming), new MigrationSettings(4L << 20, BlockMigrate: false), CancellationToken.None);
        await Eventually.UntilAsync(
            () => runtime.QueryMigrationAsync(source, CancellationToken.None), m => m.Status == MigrationStatuses.Active && m.RamTransferred > 0, Move, "the stream active");
        QemuHost.Kill(incoming.Process.Pid);
        var ended = await EndOfStreamAsync(runtime, source);
        Assert.Equal(MigrationStatuses.Failed, ended.Status);
        Assert.Equal(VmRunState.Running, await runtime.RunStateAsync(source, CancellationToken.None));

        var serial = runtime.StatePaths(uid).SerialLog;
        var atFailure = Counts(serial).Last();
        await Eventually.HoldsAsync(() => Counts(serial).Last() >= atFailure + 2, Boot, $"the source's counter past {atFailure + 1}", TimeSpan.FromMilliseconds(200));
        await runtime.StopIncomingOrphanAsync(uid, CancellationToken.None);
        Assert.False(runtime.HasIncomingDirectory(uid));
        await runtime.StopAsync(source, CancellationToken.None);
    }

    public void Dispose() => QemuHost.CleanUp([uid], stateDir, imageRoot);

    private static string Address(IncomingVm incoming) => QmpMigration.FormatAddress("127.0.0.1", incoming.Port);

    private static async Task<MigrationInfo> EndOfStreamAsync(QemuVmRuntime runtime, IVmProcess process) =>
        await Eventually.UntilAsync(
            () => runtime.QueryMigrationAsync(process, CancellationToken.None), m => m.IsTerminal, Move, $"the migration of pid {process.Pid} ended",
            describe: m => $"{m.Status} {m.RamTransferred}/{m.RamTotal}", poll: TimeSpan.FromMilliseconds(200));

    private static List<long> Counts(string serialLog) =>
        [.. GuestSerial.Markers(serialLog, "COUNT").Select(c => long.TryParse(c.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1).Where(n => n >= 0)];

    private async Task<(QemuVmRuntime Runtime, VmLaunchRequest Request)> SetUpAsync()
    {
        var boot = TestGuest.CopyInto(imageRoot);
        var options = new AgentOptions { NodeName = "migration-node", StateDirectory = stateDir, ImageRoot = imageRoot, StopGrace = TimeSpan.FromSeconds(1) };
        var runtime = new QemuVmRuntime(options, NullLogger.Instance);
        var (qemu, problem) = await runtime.ProbeQemuAsync(CancellationToken.None);
        var topology = new SysfsTopologyReader("/").ReadTopology();
        var placement = new VmPlacement(options.NodeName, PageSize.Huge2Mi, [new GuestNodePlacement(0, 0, CpuSet.Parse("0"), CpuSet.Empty, MemoryBytes)])
        {
            Accelerator = Accelerator.Emulation,
        };
        var files = new BootFiles { Kernel = boot.Kernel, Initrd = boot.Initrd, Cmdline = TestGuest.Cmdline() };
        return (runtime, new VmLaunchRequest("migrating", uid, placement, files, topology, qemu, problem));
    }

    /// <summary>Boots the source and starts a counter loop on its serial shell; returns once it has counted twice.</summary>
    private async Task<IVmProcess> StartCountingSourceAsync(QemuVmRuntime runtime, VmLaunchRequest request)
    {
        var source = await runtime.StartAsync(runtime.Prepare(request), CancellationToken.None);
        var state = runtime.StatePaths(uid);
        await GuestSerial.WaitForMarkerAsync(state.SerialLog, "READY", Boot);

        // Input reaches the shell only once it has the tty open (the kernel drops it before): wait for its prompt.
        await Eventually.HoldsAsync(() => GuestSerial.Lines(state.SerialLog).Any(l => l.Contains("numaguest# ", StringComparison.Ordinal)), Boot, "the serial shell's prompt", TimeSpan.FromMilliseconds(200));
        using (var console = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            await console.ConnectAsync(new UnixDomainSocketEndPoint(state.ConsoleSocket));
            // One byte at a time: the emulated UART's 16-byte FIFO overflows (bytes lost) when a line arrives at once.
            foreach (var b in Encoding.ASCII.GetBytes("i=0; while true; do i=$((i+1)); echo NUMAGUEST-COUNT $i; sleep 1; done &\n"))
            {
                await console.SendAsync(new[] { b });
                await Task.Delay(15);
            }
        }

        await Eventually.UntilAsync(
            () => Task.FromResult(Counts(state.SerialLog)), c => c.Count >= 2, TimeSpan.FromSeconds(20), "the guest counting on its serial console",
            describe: c => string.Join(',', c), context: () => string.Join('\n', GuestSerial.Lines(state.SerialLog).TakeLast(15)), poll: TimeSpan.FromMilliseconds(200));
        return source;
    }
}
