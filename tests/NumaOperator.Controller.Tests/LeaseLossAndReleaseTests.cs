using NumaOperator.Tests.Shared;

namespace NumaOperator.Controller.Tests;

/// <summary>
/// Leader election beyond a plain takeover: a brief loss of the Lease stops work at once and regaining it re-lists;
/// a clean shutdown releases the Lease so a standby takes over within its RetryPeriod, not after the LeaseDuration.
/// </summary>
public sealed class LeaseLossAndReleaseTests
{
    [Fact]
    public async Task A_lease_stolen_then_given_back_stops_work_at_once_and_the_next_term_re_lists()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 512, 512); // room for 4 VMs of 512Mi
        // Renew deadline 10 s: stopping within a few seconds shows the loss is acted on at once, not when renewing gives up.
        var controller = fixture.StartController("controller-a", TimeSpan.FromSeconds(20));
        await fixture.CreateAsync(ControllerFixture.Vm("vm0", size: "512Mi", dedicated: true));
        await fixture.WaitForAsync("vm0", ControllerFixture.IsScheduled);
        var firstTerm = controller.Scheduling.Reconciler;
        Assert.NotNull(firstTerm);

        // Another candidate takes the Lease (as after a partition): this instance must stop before its renew deadline.
        await fixture.SetLeaseHolderAsync("intruder", seconds: 30);
        Assert.True(await ControllerFixture.EventuallyAsync(() => !controller.IsLeader && !controller.Scheduling.IsSynced, seconds: 5), "work did not stop after the Lease was taken");
        Assert.Null(controller.Scheduling.Reconciler);

        // While another holds the Lease nothing is scheduled.
        await fixture.CreateAsync(ControllerFixture.Vm("vm1", size: "512Mi", dedicated: true));
        await fixture.CreateAsync(ControllerFixture.Vm("vm2", size: "512Mi", dedicated: true));
        await Eventually.ConsistentlyAsync(
            async () => new[] { await fixture.GetAsync("vm1"), await fixture.GetAsync("vm2") },
            vms => vms.All(vm => vm.Status is null),
            TimeSpan.FromSeconds(1),
            "no VM gets a status while another holds the Lease");

        // The Lease comes back (released by the other): a new term with fresh caches and a rebuilt ledger.
        await fixture.SetLeaseHolderAsync(string.Empty, seconds: 1);
        await fixture.WaitForAsync("vm1", ControllerFixture.IsScheduled);
        await fixture.WaitForAsync("vm2", ControllerFixture.IsScheduled);
        Assert.Equal(2, controller.LeaderTerms);
        var secondTerm = controller.Scheduling.Reconciler;
        Assert.NotNull(secondTerm);
        Assert.NotSame(firstTerm, secondTerm);
        Assert.Equal(3, secondTerm.PlacedCount); // vm0 read back from its status, vm1 and vm2 placed
        Assert.Empty(secondTerm.Conflicts);
        Assert.Empty(ControllerFixture.DoubleBookings((await fixture.ListAsync()).Items, 512));
    }

    [Fact]
    public async Task Two_instances_hand_the_lease_back_and_forth_without_double_booking()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 512, 512); // room for 4 VMs of 512Mi
        // A long LeaseDuration: a takeover within seconds can only come from a released Lease, not an expired one.
        var leaseDuration = TimeSpan.FromSeconds(20);
        var a = fixture.StartController("controller-a", leaseDuration);
        Assert.True(await ControllerFixture.EventuallyAsync(() => a.IsLeader), "controller-a never led");
        var b = fixture.StartController("controller-b", leaseDuration);
        await fixture.CreateAsync(ControllerFixture.Vm("vm0", size: "512Mi", dedicated: true));
        await fixture.CreateAsync(ControllerFixture.Vm("vm1", size: "512Mi", dedicated: true));
        await fixture.WaitForAsync("vm1", ControllerFixture.IsScheduled);
        Assert.False(b.IsLeader, $"a leads {a.IsLeader} terms {a.LeaderTerms}, b terms {b.LeaderTerms}, lease {k8s.KubernetesJson.Serialize((await fixture.ReadLeaseAsync()).Spec)}");

        // The Lease moves to controller-b (a brief loss for a): a stops at once, b leads and schedules.
        await fixture.SetLeaseHolderAsync("controller-b", seconds: (int)leaseDuration.TotalSeconds);
        Assert.True(await ControllerFixture.EventuallyAsync(() => !a.IsLeader && !a.Scheduling.IsSynced, seconds: 5), "controller-a kept working");
        Assert.True(await ControllerFixture.EventuallyAsync(() => b.IsLeader, seconds: 5), "controller-b did not take the Lease written for it");
        await fixture.CreateAsync(ControllerFixture.Vm("vm2", size: "512Mi", dedicated: true));
        await fixture.CreateAsync(ControllerFixture.Vm("vm3", size: "512Mi", dedicated: true));
        await fixture.WaitForAsync("vm3", ControllerFixture.IsScheduled);

        // controller-b shuts down cleanly and releases the Lease: a takes over long before the 20 s lease would expire.
        await fixture.StopControllerAsync(1);
        Assert.True(await ControllerFixture.EventuallyAsync(() => a.IsLeader && a.Scheduling.IsSynced, seconds: 8), "controller-a did not take over the released Lease");
        Assert.Equal(2, a.LeaderTerms);

        // a's second term re-listed: it knows b's placements, so the fifth VM does not fit.
        await fixture.CreateAsync(ControllerFixture.Vm("vm4", size: "512Mi", dedicated: true));
        await fixture.WaitForAsync("vm4", ControllerFixture.IsUnschedulable);
        var all = (await fixture.ListAsync()).Items;
        Assert.Equal(4, all.Count(ControllerFixture.IsScheduled));
        Assert.Empty(ControllerFixture.DoubleBookings(all, 512));
    }

    [Fact]
    public async Task A_clean_shutdown_releases_the_lease()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 512);
        var controller = fixture.StartController("controller-a", TimeSpan.FromSeconds(30));
        Assert.True(await ControllerFixture.EventuallyAsync(() => controller.IsLeader && controller.Scheduling.IsSynced), "never led");
        Assert.Equal("controller-a", (await fixture.ReadLeaseAsync()).Spec.HolderIdentity);

        await fixture.StopControllerAsync(0);

        var lease = await fixture.ReadLeaseAsync();
        Assert.Equal(string.Empty, lease.Spec.HolderIdentity);
        Assert.Equal(1, lease.Spec.LeaseDurationSeconds);
    }

    [Fact]
    public async Task A_standby_does_not_release_a_lease_it_does_not_hold()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 512);
        var leader = fixture.StartController("controller-a", TimeSpan.FromSeconds(30));
        Assert.True(await ControllerFixture.EventuallyAsync(() => leader.IsLeader), "never led");
        fixture.StartController("controller-b", TimeSpan.FromSeconds(30));
        await Eventually.ConsistentlyAsync(() => Task.FromResult(leader.IsLeader), leads => leads, TimeSpan.FromMilliseconds(500), "the first controller keeps leading while the second waits");

        await fixture.StopControllerAsync(1);

        Assert.Equal("controller-a", (await fixture.ReadLeaseAsync()).Spec.HolderIdentity);
        Assert.True(leader.IsLeader);
    }
}
