using Microsoft.Extensions.Logging.Abstractions;
using NumaOperator.Agent.Migration;
using NumaOperator.Agent.Runtime;
using NumaOperator.Api.Conversion;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;
using NumaOperator.Qemu.Migration;

namespace NumaOperator.Agent.Tests;

/// <summary>
/// The agents' part of a live migration without QEMU: each node's <see cref="MigrationReconciler"/> over the fake
/// runtime, against an in-memory API server the test also writes as the controller would (Succeeded, the commit of
/// the VM, Failed). Node A is the source; node B the target, or A itself for a same-node move.
/// </summary>
public sealed class MigrationLifecycleWithoutQemuTests
{
    private const string A = "node-a";
    private const string B = "node-b";
    private const string Key = "default/move-db";
    private static readonly HostTopology Host = new([new HostNumaNode(0, CpuSet.Parse("0-3"), [], 8L << 30, [new HugepagePool(PageSize.Huge2Mi, 512, 512)], [10])]);
    private readonly Guid uid = Guid.NewGuid();
    private readonly FakeMigrationStore store = new();

    [Fact]
    public async Task A_cross_node_move_goes_target_ready_running_target_running_and_is_handed_over_once_committed()
    {
        var (source, target) = (new AgentNode(A, store), new AgentNode(B, store));
        var sourceQemu = await source.RunVmAsync(uid);
        var targetPlacement = TestMigrations.Placement(B, 0);
        store.PutVm(TestMigrations.Vm(uid, A, TestMigrations.Placement(A, 0)));
        store.Put(TestMigrations.Scheduled(uid, A, B, targetPlacement, bandwidth: "64Mi"));

        await target.StepAsync();
        var ready = store.Get(Key).Status!;
        Assert.Equal(MigrationPhases.TargetReady, ready.Phase);
        Assert.Equal("10.0.0.2:" + FakeVmRuntime.IncomingPort, ready.TargetAddress);
        var incomingPid = Assert.IsType<int>(target.Runtime.IncomingPid(uid));

        await source.StepAsync();
        var sent = Assert.Single(source.Runtime.Migrations);
        Assert.Equal(("10.0.0.2:" + FakeVmRuntime.IncomingPort, true, 64L << 20), (sent.Address, sent.Settings.BlockMigrate, sent.Settings.MaxBandwidthBytesPerSecond));
        Assert.Equal(MigrationPhases.Running, store.Get(Key).Status!.Phase);
        Assert.Equal(MigrationDiskModes.BlockMigrated, store.Get(Key).Status!.Progress!.Disks);
        source.Runtime.Progress(uid, 60);
        await source.StepAsync();
        Assert.Equal(60, store.Get(Key).Status!.Progress!.DataProcessed);
        Assert.Equal(MigrationDiskModes.BlockMigrated, store.Get(Key).Status!.Progress!.Disks);

        source.Runtime.EndStream(uid);
        target.Runtime.EndStream(uid);
        await source.StepAsync(); // sent: the target decides; the final figures are recorded
        Assert.Equal(42, store.Get(Key).Status!.Progress!.DowntimeMilliseconds);
        await target.StepAsync();
        var running = store.Get(Key).Status!;
        Assert.Equal(MigrationPhases.TargetRunning, running.Phase);
        Assert.Equal("1.000", running.TargetNumastat!.LocalRatio);
        Assert.Equal(VmRunState.Running, target.Runtime.RunState(incomingPid));
        Assert.Equal(VmRunState.PostMigrate, source.Runtime.RunState(sourceQemu.Pid));

        await target.StepAsync(); // not committed yet: the incoming QEMU stays where it is
        Assert.True(target.Runtime.HasIncomingDirectory(uid));

        CommitAsController(B, targetPlacement);
        await target.StepAsync();
        Assert.False(target.Runtime.HasIncomingDirectory(uid));
        Assert.Equal(incomingPid, target.Runtime.RunningPid(uid));
        Assert.Equal([uid], target.Vms.Poked);
        Assert.Empty(source.Runtime.Resumes); // the source is left paused; its agent stops it when the VM leaves its node
    }

    [Fact]
    public async Task A_same_node_move_shares_the_disks_stops_the_paused_source_and_renames_the_incoming_dir_onto_the_vms_dir()
    {
        var node = new AgentNode(A, store);
        var sourceQemu = await node.RunVmAsync(uid);
        var targetPlacement = TestMigrations.Placement(A, 1);
        store.PutVm(TestMigrations.Vm(uid, A, TestMigrations.Placement(A, 0)));
        store.Put(TestMigrations.Scheduled(uid, A, A, targetPlacement));

        await node.StepAsync(); // target: incoming QEMU listening
        await node.StepAsync(); // source: migrate
        var sent = Assert.Single(node.Runtime.Migrations);
        Assert.False(sent.Settings.BlockMigrate);
        Assert.Null(sent.Settings.MaxBandwidthBytesPerSecond);
        Assert.Equal(MigrationDiskModes.Shared, store.Get(Key).Status!.Progress!.Disks);
        var incomingPid = node.Runtime.IncomingPid(uid);
        Assert.NotEqual(sourceQemu.Pid, incomingPid);

        node.Runtime.EndStream(uid);
        await node.StepAsync();
        Assert.Equal(MigrationPhases.TargetRunning, store.Get(Key).Status!.Phase);
        CommitAsController(A, targetPlacement);
        await node.StepAsync();

        Assert.Equal([uid], node.Vms.Released);
        Assert.Equal(incomingPid, node.Runtime.RunningPid(uid));
        Assert.False(node.Runtime.HasIncomingDirectory(uid));
        Assert.Equal([uid], node.Vms.Poked);
    }

    [Fact]
    public async Task A_pre_flight_refusal_on_the_target_fails_the_move_as_TargetFailed_with_its_message()
    {
        var target = new AgentNode(B, store);
        target.Runtime.HostProblem = "2Mi hugepages on host node 0: 10 free, 32 needed";
        store.PutVm(TestMigrations.Vm(uid, A, TestMigrations.Placement(A, 0)));
        store.Put(TestMigrations.Scheduled(uid, A, B, TestMigrations.Placement(B, 0)));

        await target.StepAsync();

        var failed = store.Get(Key).Status!;
        Assert.Equal((MigrationPhases.Failed, MigrationReasons.TargetFailed), (failed.Phase, failed.Reason));
        Assert.Contains("pre-flight on node-b: 2Mi hugepages on host node 0: 10 free, 32 needed", failed.Message, StringComparison.Ordinal);
        Assert.NotNull(failed.CompletionTime);
        Assert.Null(target.Runtime.IncomingPid(uid));
    }

    [Fact]
    public async Task A_failed_stream_fails_the_move_with_qemus_error_and_the_target_stops_its_incoming_qemu()
    {
        var (source, target) = await SendingAsync();
        source.Runtime.EndStream(uid, "Unable to write to socket: Broken pipe");

        await source.StepAsync();
        var failed = store.Get(Key).Status!;
        Assert.Equal((MigrationPhases.Failed, MigrationReasons.MigrationFailed), (failed.Phase, failed.Reason));
        Assert.Contains("Unable to write to socket: Broken pipe", failed.Message, StringComparison.Ordinal);
        await target.StepAsync();
        Assert.Null(target.Runtime.IncomingPid(uid));
        Assert.False(target.Runtime.HasIncomingDirectory(uid));
        Assert.Empty(source.Runtime.Resumes); // QEMU keeps a source whose send failed running by itself
    }

    [Fact]
    public async Task A_target_whose_ram_is_misplaced_fails_as_TargetNotAligned_is_stopped_and_the_paused_source_resumes()
    {
        var (source, target) = await SendingAsync();
        var sourcePid = source.Vms.SourceProcess(uid)!.Pid;
        target.Runtime.MisplaceIncoming(uid);
        source.Runtime.EndStream(uid);
        target.Runtime.EndStream(uid);

        await target.StepAsync();
        var failed = store.Get(Key).Status!;
        Assert.Equal((MigrationPhases.Failed, MigrationReasons.TargetNotAligned), (failed.Phase, failed.Reason));
        Assert.Null(target.Runtime.IncomingPid(uid));
        await source.StepAsync();
        Assert.Equal([sourcePid], source.Runtime.Resumes);
        Assert.Equal(VmRunState.Running, source.Runtime.RunState(sourcePid));
    }

    [Fact]
    public async Task Deleting_a_move_while_it_sends_cancels_the_stream_and_stops_the_incoming_qemu()
    {
        var (source, target) = await SendingAsync();

        source.Cache.Remove(Key);
        target.Cache.Remove(Key);
        await source.ReconcileAsync();
        await target.ReconcileAsync();

        Assert.Equal([uid], source.Runtime.Cancels);
        Assert.Null(target.Runtime.IncomingPid(uid));
        Assert.False(target.Runtime.HasIncomingDirectory(uid));
    }

    [Fact]
    public async Task A_target_agent_restarted_mid_move_fails_it_as_TargetFailed_and_stops_the_incoming_qemu_it_finds()
    {
        var target = new AgentNode(B, store);
        target.Runtime.LeaveIncoming(uid);
        var migration = TestMigrations.Scheduled(uid, A, B, TestMigrations.Placement(B, 0));
        migration.Status!.Phase = MigrationPhases.Running;
        store.Put(migration);

        await target.StepAsync();

        var failed = store.Get(Key).Status!;
        Assert.Equal((MigrationPhases.Failed, MigrationReasons.TargetFailed), (failed.Phase, failed.Reason));
        Assert.Contains("target agent restarted", failed.Message, StringComparison.Ordinal);
        Assert.Null(target.Runtime.IncomingPid(uid));
        Assert.False(target.Runtime.HasIncomingDirectory(uid));
    }

    [Fact]
    public async Task A_target_agent_restarted_after_the_commit_hands_the_incoming_qemu_over()
    {
        var target = new AgentNode(B, store);
        var pid = target.Runtime.LeaveIncoming(uid);
        var placement = TestMigrations.Placement(B, 0);
        var migration = TestMigrations.Scheduled(uid, A, B, placement);
        migration.Status!.Phase = MigrationPhases.Succeeded;
        store.Put(migration);
        store.PutVm(TestMigrations.Vm(uid, B, placement));

        await target.StepAsync();

        Assert.Equal(pid, target.Runtime.RunningPid(uid));
        Assert.False(target.Runtime.HasIncomingDirectory(uid));
        Assert.Equal(MigrationPhases.Succeeded, store.Get(Key).Status!.Phase);
    }

    [Fact]
    public async Task An_incoming_dir_no_migration_explains_is_stopped_when_the_agent_starts()
    {
        var target = new AgentNode(B, store);
        target.Runtime.LeaveIncoming(uid);

        await target.Reconciler.CleanOrphansAsync(CancellationToken.None);

        Assert.False(target.Runtime.HasIncomingDirectory(uid));
    }

    [Fact]
    public async Task A_phase_another_party_wrote_meanwhile_is_never_moved_backwards_and_the_incoming_qemu_is_stopped()
    {
        var target = new AgentNode(B, store);
        store.PutVm(TestMigrations.Vm(uid, A, TestMigrations.Placement(A, 0)));
        store.Put(TestMigrations.Scheduled(uid, A, B, TestMigrations.Placement(B, 0)));
        store.BeforePatch = () =>
        {
            var timedOut = store.Get(Key);
            timedOut.Status!.Phase = MigrationPhases.Failed;
            timedOut.Status.Reason = MigrationReasons.TimedOut;
            store.Put(timedOut);
        };

        await target.StepAsync();

        Assert.Equal((MigrationPhases.Failed, MigrationReasons.TimedOut), (store.Get(Key).Status!.Phase, store.Get(Key).Status!.Reason));
        Assert.Null(store.Get(Key).Status!.TargetAddress);
        Assert.Null(target.Runtime.IncomingPid(uid));
    }

    [Fact]
    public async Task A_vm_handed_over_to_its_target_reports_the_forwarded_host_port_of_the_target_qemu()
    {
        var (source, target) = (new AgentNode(A, store), new AgentNode(B, store));
        await source.RunVmAsync(uid);
        var targetPlacement = TestMigrations.Placement(B, 0);
        var vm = TestMigrations.Vm(uid, A, TestMigrations.Placement(A, 0));
        vm.Spec.Interfaces = [new InterfaceSpec { Name = "web", UserNetwork = new UserNetworkSpec { PortForwards = [new PortForwardSpec { GuestPort = 80 }] } }];
        vm.Status!.Interfaces = [new InterfaceStatus { Name = "web", PortForwards = [new PortForwardStatus { GuestPort = 80, HostAddress = "0.0.0.0", HostPort = 41234 }] }];
        store.PutVm(vm);
        store.Put(TestMigrations.Scheduled(uid, A, B, targetPlacement));
        await target.StepAsync();
        await source.StepAsync();
        source.Runtime.EndStream(uid);
        target.Runtime.EndStream(uid);
        await source.StepAsync();
        await target.StepAsync();
        Assert.Equal(MigrationPhases.TargetRunning, store.Get(Key).Status!.Phase);

        // The controller's commit keeps the spec and the source's status.interfaces; the handover replaces them.
        var migration = store.Get(Key);
        migration.Status!.Phase = MigrationPhases.Succeeded;
        store.Put(migration);
        var committed = store.GetVm("default/db");
        committed.Status!.NodeName = B;
        committed.Status.Placement = PlacementConversion.ToStatus(targetPlacement);
        store.PutVm(committed);
        await target.StepAsync();

        Assert.False(target.Runtime.HasIncomingDirectory(uid));
        var forward = Assert.Single(Assert.Single(store.GetVm("default/db").Status!.Interfaces!).PortForwards!);
        Assert.Equal((80, 40000), (forward.GuestPort, forward.HostPort));
    }

    /// <summary>A cross-node move whose source sends (phase Running).</summary>
    private async Task<(AgentNode Source, AgentNode Target)> SendingAsync()
    {
        var (source, target) = (new AgentNode(A, store), new AgentNode(B, store));
        await source.RunVmAsync(uid);
        store.PutVm(TestMigrations.Vm(uid, A, TestMigrations.Placement(A, 0)));
        store.Put(TestMigrations.Scheduled(uid, A, B, TestMigrations.Placement(B, 0)));
        await target.StepAsync();
        await source.StepAsync();
        Assert.Equal(MigrationPhases.Running, store.Get(Key).Status!.Phase);
        return (source, target);
    }

    /// <summary>What the controller does at Succeeded: the VM's nodeName and placement become the target's.</summary>
    private void CommitAsController(string node, VmPlacement placement)
    {
        var migration = store.Get(Key);
        migration.Status!.Phase = MigrationPhases.Succeeded;
        store.Put(migration);
        store.PutVm(TestMigrations.Vm(uid, node, placement));
    }

    /// <summary>One node's agent as far as migrations go: its runtime, the VM reconciler's side, its cache and its migration reconciler.</summary>
    private sealed class AgentNode
    {
        private readonly FakeMigrationStore store;

        public AgentNode(string name, FakeMigrationStore store)
        {
            this.store = store;
            var options = new AgentOptions { NodeName = name, MigrationAdvertiseAddress = name == B ? "10.0.0.2" : "10.0.0.1" };
            Reconciler = new MigrationReconciler(Cache, store, options, Runtime, Vms, () => Host, () => (FakeVmRuntime.EmulationOnly, null), NullLogger.Instance);
        }

        public FakeVmRuntime Runtime { get; } = new();

        public FakeMigratingVms Vms { get; } = new();

        public ObjectCache<NumaVirtualMachineMigration> Cache { get; } = new();

        public MigrationReconciler Reconciler { get; }

        /// <summary>The VM's QEMU, started and held by this node's VM reconciler.</summary>
        public async Task<IVmProcess> RunVmAsync(Guid uid)
        {
            var placement = TestMigrations.Placement(A, 0);
            var process = await Runtime.StartAsync(Runtime.Prepare(new VmLaunchRequest("db", uid, placement, null, Host, FakeVmRuntime.EmulationOnly, null)), CancellationToken.None);
            Vms.Hold(process);
            return process;
        }

        /// <summary>The informer delivers the stored object, then one reconcile.</summary>
        public Task<ReconcileResult> StepAsync()
        {
            Cache.Upsert(store.Get(Key), out _);
            return ReconcileAsync();
        }

        public Task<ReconcileResult> ReconcileAsync() => Reconciler.ReconcileAsync(Key, CancellationToken.None);
    }
}
