using k8s;
using k8s.Models;
using NumaOperator.Agent.Runtime;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Controller.Scheduling;
using NumaOperator.Qemu.Measurement;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Controller.Tests;

/// <summary>
/// The controller's node-lost verdict: a VM whose node's agent stopped renewing NumaNodeTopology status.heartbeatTime
/// becomes Ready=Unknown reason NodeLost and Stalled=True with a Warning Event, and recovers when the heartbeat does.
/// </summary>
public sealed class NodeLostTests
{
    private static readonly DateTime T0 = new(2026, 11, 29, 10, 0, 0, DateTimeKind.Utc);

    private static NumaNodeTopology Topology(DateTime? heartbeat) =>
        new() { Metadata = new V1ObjectMeta { Name = "worker-7" }, Status = new NumaNodeTopologyStatus { HeartbeatTime = heartbeat } };

    [Fact]
    public void A_heartbeat_older_than_the_threshold_is_lost_and_the_message_names_its_time_not_its_age()
    {
        var threshold = TimeSpan.FromSeconds(90);

        Assert.Null(NodeLiveness.LostMessage("worker-7", Topology(T0), T0.AddSeconds(90), threshold));
        var lost = NodeLiveness.LostMessage("worker-7", Topology(T0), T0.AddSeconds(91), threshold);
        Assert.Equal(
            "the agent on node worker-7 has not renewed its heartbeat (NumaNodeTopology status.heartbeatTime) since 2026-11-29T10:00:00Z, more than 90s ago: the VM's state is unknown",
            lost);
        Assert.Equal(lost, NodeLiveness.LostMessage("worker-7", Topology(T0), T0.AddHours(3), threshold)); // no write per reconcile
    }

    [Fact]
    public void A_topology_no_agent_published_is_not_judged()
    {
        Assert.Null(NodeLiveness.LostMessage("worker-7", Topology(null), T0, TimeSpan.FromSeconds(1)));
        Assert.Null(NodeLiveness.LostMessage("worker-7", null, T0, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void The_monitor_reports_a_node_once_when_it_is_lost_and_once_when_it_returns()
    {
        var monitor = new NodeLivenessMonitor(TimeSpan.FromSeconds(90));
        var topology = Topology(T0);

        Assert.Empty(monitor.Flipped([topology], T0.AddSeconds(10)));
        Assert.Equal(["worker-7"], monitor.Flipped([topology], T0.AddSeconds(100)));
        Assert.Empty(monitor.Flipped([topology], T0.AddSeconds(200)));
        topology.Status!.HeartbeatTime = T0.AddSeconds(195);
        Assert.Equal(["worker-7"], monitor.Flipped([topology], T0.AddSeconds(200)));
        Assert.Equal(["other"], new NodeLivenessMonitor(TimeSpan.FromSeconds(1)).Flipped([topology, new NumaNodeTopology { Metadata = new() { Name = "other" }, Status = new() { HeartbeatTime = T0 } }], T0.AddSeconds(196)));
    }

    [Fact]
    public void The_check_interval_is_a_quarter_of_the_threshold_within_bounds()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), NodeLiveness.CheckInterval(TimeSpan.FromSeconds(90)));
        Assert.Equal(TimeSpan.FromSeconds(1), NodeLiveness.CheckInterval(TimeSpan.FromSeconds(4)));
        Assert.Equal(TimeSpan.FromMilliseconds(100), NodeLiveness.CheckInterval(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task Vms_of_a_node_whose_agent_goes_quiet_become_node_lost_with_an_event_and_recover_when_it_returns()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 512);
        await fixture.BeatAsync("worker-1", DateTime.UtcNow);
        fixture.StartController(nodeLostAfter: TimeSpan.FromSeconds(2));
        await fixture.CreateAsync(ControllerFixture.Vm("db1", size: "64Mi"));
        var placed = await fixture.WaitForAsync("db1", ControllerFixture.IsScheduled);

        // The agent's report, as it writes it: Running, measured aligned, Ready.
        using var beating = new CancellationTokenSource();
        var heartbeats = BeatUntilCancelledAsync(fixture, "worker-1", beating.Token);
        await ReportRunningAsync(fixture, placed);
        await fixture.WaitForAsync("db1", v => ConditionList.IsTrue(v.Status?.Conditions, VmConditions.Ready));
        await Eventually.ConsistentlyAsync(
            () => fixture.GetAsync("db1"), v => ConditionList.IsTrue(v.Status?.Conditions, VmConditions.Ready), TimeSpan.FromSeconds(3),
            "Ready while the agent beats", v => KubernetesJson.Serialize(v.Status));

        await beating.CancelAsync();
        await heartbeats;
        var lost = await fixture.WaitForAsync("db1", ReadyRule.IsNodeLost, seconds: 20);
        var ready = ConditionList.Find(lost.Status!.Conditions, VmConditions.Ready)!;
        Assert.Equal(VmConditions.Unknown, ready.Status);
        Assert.Contains("the agent on node worker-1 has not renewed its heartbeat", ready.Message, StringComparison.Ordinal);
        var stalled = ConditionList.Find(lost.Status.Conditions, VmConditions.Stalled)!;
        Assert.Equal((VmConditions.True, VmConditions.ReasonNodeLost, ready.Message), (stalled.Status, stalled.Reason, stalled.Message));
        Assert.Null(ConditionList.Find(lost.Status.Conditions, VmConditions.Reconciling));
        Assert.Equal(lost.Metadata.Generation, lost.Status.ObservedGeneration);
        await Eventually.UntilAsync(() => EventsAsync(fixture, "db1"), e => e.Any(x => x is { Type: "Warning", Reason: NodeLiveness.EventNodeLost }), TimeSpan.FromSeconds(10), "NodeLost Warning Event");

        await fixture.BeatAsync("worker-1", DateTime.UtcNow);
        var back = await fixture.WaitForAsync("db1", v => ConditionList.IsTrue(v.Status?.Conditions, VmConditions.Ready), seconds: 20);
        Assert.Null(ConditionList.Find(back.Status!.Conditions, VmConditions.Stalled));
        Assert.Null(ConditionList.Find(back.Status.Conditions, VmConditions.Reconciling));
        await Eventually.UntilAsync(() => EventsAsync(fixture, "db1"), e => e.Any(x => x is { Type: "Normal", Reason: NodeLiveness.EventNodeRecovered }), TimeSpan.FromSeconds(10), "NodeRecovered Event");
    }

    [Theory]
    [InlineData("10s")]
    [InlineData("25h")]
    [InlineData("soon")]
    public async Task A_node_lost_threshold_outside_45s_to_24h_is_bad_input(string value)
    {
        var run = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), "controller", "--node-lost-after", value, "--kubeconfig", "/nonexistent");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"--node-lost-after \"{value}\"", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("from 45s to 24h", run.Stderr, StringComparison.Ordinal);
    }

    private static async Task BeatUntilCancelledAsync(ControllerFixture fixture, string node, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await fixture.BeatAsync(node, DateTime.UtcNow);
            await Task.Delay(TimeSpan.FromMilliseconds(300), ct).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>Writes what the agent writes for a running, aligned VM (read again on 409: the controller writes too).</summary>
    private static async Task ReportRunningAsync(ControllerFixture fixture, NumaVirtualMachine vm)
    {
        var writer = new CustomResourceWriter<NumaVirtualMachine>(fixture.Client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural);
        for (var attempt = 1; ; attempt++)
        {
            var now = DateTime.UtcNow;
            var desired = ObjectKey.Clone(vm);
            desired.Status!.Phase = AgentConditions.PhaseRunning;
            AgentConditions.SetRunning(desired, "QEMU pid 1 runs (test)", now);
            AgentConditions.SetMeasured(desired, new NumastatStatus { SampledAt = now, Nodes = [new NumastatNode { Node = 0, Bytes = 64L << 20 }], LocalRatio = "1.000" },
                new NumaVerdict(true, NumaVerdict.ReasonAligned, "aligned (test)"), now);
            try
            {
                await writer.PatchStatusAsync(vm, desired, CancellationToken.None);
                return;
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict && attempt < 5)
            {
                vm = (await writer.ReadAsync("default", vm.Metadata.Name, CancellationToken.None))!;
            }
        }
    }

    private static async Task<IList<Corev1Event>> EventsAsync(ControllerFixture fixture, string name) =>
        [.. (await fixture.Client.CoreV1.ListNamespacedEventAsync("default")).Items.Where(e => e.InvolvedObject.Name == name)];
}
