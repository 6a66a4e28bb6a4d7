using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using k8s;
using k8s.Models;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Controller.Accounting;
using NumaOperator.Controller.Scheduling;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Controller.Tests;

/// <summary>
/// Sharing a node with pods, through the controller and the embedded API server (simulated agents): capacity is what
/// is free, a pre-flight refusal for pages is placed again, placed VMs have placeholder pods, quotas hold.
/// </summary>
public sealed class AccountingEndToEndTests
{
    /// <summary>Writes what the node's agent writes when pre-flight finds too few free pages for the VM's placement.</summary>
    private static async Task RefuseForPagesAsync(ControllerFixture fixture, string name)
    {
        var vm = await fixture.GetAsync(name);
        var message = $"pre-flight: host NUMA node {vm.Status!.Placement!.GuestNodes[0].HostNode} has 3 free 2Mi hugepages, guest node 0 needs 512 (1.0 GiB)";
        var conditions = ConditionList.Set(vm.Status.Conditions, VmConditions.Running, false, VmConditions.ReasonInsufficientHugepages, message, vm.Metadata.Generation, DateTime.UtcNow);
        var patch = KubernetesJson.Serialize(new { metadata = new { resourceVersion = vm.Metadata.ResourceVersion }, status = new { phase = VmConditions.PhaseFailed, conditions } });
        await fixture.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch(patch, V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, name);
    }

    private static string Where(NumaVirtualMachine vm) => $"{vm.Status!.NodeName}/{vm.Status.Placement!.GuestNodes[0].HostNode}";

    private static Task<Corev1EventList> EventsAsync(ControllerFixture fixture, string vm, string reason) =>
        Eventually.LastReadingAsync(
            () => fixture.Client.CoreV1.ListNamespacedEventAsync("default"),
            list => list.Items.Any(e => e.InvolvedObject.Name == vm && e.Reason == reason),
            TimeSpan.FromSeconds(10),
            TimeSpan.FromMilliseconds(50));

    [Fact]
    public async Task A_vm_needing_more_pages_than_a_pod_left_free_on_a_numa_node_lands_on_another_node()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", [1024], [256]); // a pod holds 768 of the 1024 pages
        await fixture.AddNodeAsync("worker-2", [1024], [1024]);
        fixture.StartController();

        await fixture.CreateAsync(ControllerFixture.Vm("db", size: "1Gi")); // 512 pages > 1024 − 768
        var placed = await fixture.WaitForAsync("db", ControllerFixture.IsScheduled);

        Assert.Equal("worker-2", placed.Status!.NodeName);
    }

    [Fact]
    public async Task A_vm_needing_more_pages_than_any_numa_node_has_free_is_unschedulable_with_the_reason_and_never_placed()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", [512, 1024], [512, 256]);
        fixture.StartController();

        await fixture.CreateAsync(ControllerFixture.Vm("db", size: "1200Mi")); // 600 pages: fits the totals, not what is free
        var waiting = await fixture.WaitForAsync("db", ControllerFixture.IsUnschedulable);

        Assert.StartsWith("0/1 nodes fit: 1 no NUMA node with 600 free 2Mi pages", ConditionList.Find(waiting.Status!.Conditions, VmConditions.Scheduled)!.Message, StringComparison.Ordinal);
        await Eventually.ConsistentlyAsync(() => fixture.GetAsync("db"), vm => vm.Status!.Placement is null, TimeSpan.FromMilliseconds(500), "the VM stays unplaced while the pages are not free");

        // The pod gives its pages back (the agent publishes the new free count): the VM is placed.
        await fixture.SetHugepagesAsync("worker-1", [512, 1024], [512, 1024]);
        var placed = await fixture.WaitForAsync("db", ControllerFixture.IsScheduled);
        Assert.Equal("worker-1/1", Where(placed));
    }

    [Fact]
    public async Task A_running_vms_pages_count_once_and_a_placed_vm_not_started_keeps_its_pages_promised()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", [1024], [1024]);
        fixture.StartController();
        await fixture.CreateAsync(ControllerFixture.Vm("a", size: "1Gi"));
        var a = await fixture.WaitForAsync("a", ControllerFixture.IsScheduled);

        // The agent starts "a" (Running=True), then reads free_hugepages: 512 left, heartbeat after the start.
        var started = DateTime.UtcNow.AddSeconds(-5);
        var conditions = ConditionList.Set(a.Status!.Conditions, VmConditions.Running, true, "Running", "QEMU runs", a.Metadata.Generation, started);
        await fixture.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch(KubernetesJson.Serialize(new { status = new { phase = VmConditions.PhaseRunning, conditions } }), V1Patch.PatchType.MergePatch),
            ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "a");
        await fixture.SetHugepagesAsync("worker-1", [1024], [512]);
        await fixture.BeatAsync("worker-1", DateTime.UtcNow);

        await fixture.CreateAsync(ControllerFixture.Vm("b", size: "1Gi")); // the 512 free pages: "a"'s are not counted again
        await fixture.WaitForAsync("b", ControllerFixture.IsScheduled);
        await fixture.CreateAsync(ControllerFixture.Vm("c", size: "64Mi")); // "b" has not started: its 512 stay promised
        var c = await fixture.WaitForAsync("c", ControllerFixture.IsUnschedulable);

        Assert.Contains("no NUMA node with 32 free 2Mi pages", ConditionList.Find(c.Status!.Conditions, VmConditions.Scheduled)!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_vm_refused_at_preflight_for_pages_is_placed_again_away_from_the_refused_numa_node_with_an_event()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 512, 512);
        fixture.StartController();
        await fixture.CreateAsync(ControllerFixture.Vm("db", size: "1Gi"));
        var first = await fixture.WaitForAsync("db", ControllerFixture.IsScheduled);

        await RefuseForPagesAsync(fixture, "db");
        var again = await fixture.WaitForAsync("db", v => v.Status?.PlacementFailures?.Count == 1 && ControllerFixture.IsScheduled(v));

        Assert.NotEqual(Where(first), Where(again));
        var failure = Assert.Single(again.Status!.PlacementFailures!);
        Assert.Equal(("worker-1", first.Status!.Placement!.GuestNodes[0].HostNode.ToString(System.Globalization.CultureInfo.InvariantCulture)), (failure.NodeName, failure.HostNodes));
        Assert.Contains("free 2Mi hugepages", failure.Message, StringComparison.Ordinal);
        Assert.Null(ConditionList.Find(again.Status.Conditions, VmConditions.Running)); // the refused node's verdict is gone with its placement
        Assert.Equal(VmConditions.PhaseScheduled, again.Status.Phase);
        var events = await EventsAsync(fixture, "db", SchedulingReconciler.EventPlacementRefused);
        Assert.Contains(events.Items, e => e.Type == "Warning" && e.Message.Contains($"placed again on {again.Status.NodeName}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task After_three_refusals_the_vm_is_unschedulable_naming_each_and_is_never_left_preflight_failed()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 512, 512, 512, 512);
        fixture.StartController();
        await fixture.CreateAsync(ControllerFixture.Vm("db", size: "1Gi"));
        await fixture.WaitForAsync("db", ControllerFixture.IsScheduled);

        for (var refusal = 1; refusal <= 2; refusal++)
        {
            await RefuseForPagesAsync(fixture, "db");
            var count = refusal;
            await fixture.WaitForAsync("db", v => v.Status?.PlacementFailures?.Count == count && ControllerFixture.IsScheduled(v));
        }

        await RefuseForPagesAsync(fixture, "db");
        var gaveUp = await fixture.WaitForAsync("db", v => v.Status?.PlacementFailures?.Count == 3 && ControllerFixture.IsUnschedulable(v));

        var scheduled = ConditionList.Find(gaveUp.Status!.Conditions, VmConditions.Scheduled)!;
        Assert.StartsWith("3 placements in 5m were refused by the node's pre-flight for lack of free hugepages (worker-1 host NUMA node ", scheduled.Message, StringComparison.Ordinal);
        Assert.Equal(3, gaveUp.Status.PlacementFailures!.Select(f => f.HostNodes).Distinct().Count());
        Assert.Null(gaveUp.Status.Placement);
        Assert.NotEqual(VmConditions.ReasonPreflightFailed, ConditionList.Find(gaveUp.Status.Conditions, VmConditions.Reconciling)?.Reason);
    }

    [Fact]
    public async Task A_placed_vm_has_its_placeholder_pod_with_exactly_its_cpus_and_hugepages_and_it_goes_with_the_vm()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 1024);
        fixture.StartController();
        await fixture.CreateAsync(ControllerFixture.Vm("db", cores: 3, size: "1Gi", dedicated: true));
        var vm = await fixture.WaitForAsync("db", ControllerFixture.IsScheduled);

        var pod = await Eventually.UntilAsync(
            () => fixture.Client.CoreV1.ListNamespacedPodAsync("default"), list => list.Items.Count == 1, TimeSpan.FromSeconds(10), "the placeholder pod exists");
        var placeholder = Assert.Single(pod.Items);
        Assert.Equal(("numavm-db", "worker-1"), (placeholder.Metadata.Name, placeholder.Spec.NodeName));
        var owner = Assert.Single(placeholder.Metadata.OwnerReferences);
        Assert.Equal((NumaVirtualMachine.KubeKind, "db", vm.Metadata.Uid, (bool?)true), (owner.Kind, owner.Name, owner.Uid, owner.Controller));
        var resources = Assert.Single(placeholder.Spec.Containers).Resources;
        Assert.Equal(
            new Dictionary<string, decimal> { ["cpu"] = 3, ["hugepages-2Mi"] = 1L << 30, ["memory"] = PlaceholderResources.SmallMemoryBytes },
            resources.Requests.ToDictionary(kv => kv.Key, kv => kv.Value.ToDecimal()));

        // The agent reports QEMU gone; the VM is deleted: its placeholder goes before the finalizer.
        await fixture.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"phase":"Stopped"}}""", V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "db");
        await fixture.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "db");
        await Eventually.UntilAsync(
            () => fixture.Client.CoreV1.ListNamespacedPodAsync("default"), list => list.Items.Count == 0, TimeSpan.FromSeconds(10), "the placeholder pod is deleted with the VM");
        await Eventually.UntilAsync(() => fixture.ListAsync(), list => list.Items.Count == 0, TimeSpan.FromSeconds(10), "the VM is gone");
    }

    [Fact]
    public async Task In_a_burst_the_vms_are_placed_first_and_their_placeholder_pods_follow_without_another_vm_write()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 4096);
        const int count = 40;
        var modified = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var added = 0;
        using var stopWatching = new CancellationTokenSource();
        var watching = Task.Run(async () =>
        {
            var events = fixture.Client.CustomObjects.WatchListNamespacedCustomObjectAsync(
                ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, cancellationToken: stopWatching.Token);
            await foreach (var (type, raw) in events)
            {
                if (type == WatchEventType.Added)
                {
                    Interlocked.Increment(ref added);
                }
                else if (type == WatchEventType.Modified && raw is JsonElement vm)
                {
                    modified.AddOrUpdate(vm.GetProperty("metadata").GetProperty("name").GetString()!, 1, (_, n) => n + 1);
                }
            }
        });
        await Task.WhenAll(Enumerable.Range(0, count).Select(i => fixture.CreateAsync(ControllerFixture.Vm($"vm-{i:D2}", cores: 1, size: "128Mi"))));
        await Eventually.HoldsAsync(() => Volatile.Read(ref added) == count, TimeSpan.FromSeconds(10), "the watch saw every VM created"); // so it sees every write after

        fixture.StartController(podDeferralMaxWait: TimeSpan.FromMinutes(1)); // its first list queues all 40 VMs at once; a slow machine does not age the pods past the burst
        var pods = await Eventually.UntilAsync(
            () => fixture.Client.CoreV1.ListNamespacedPodAsync("default"), list => list.Items.Count == count, TimeSpan.FromSeconds(20), "every VM has its placeholder pod");
        await Eventually.ConsistentlyAsync(
            () => Task.FromResult(modified.ToDictionary()), writes => writes.Values.All(n => n <= 2), TimeSpan.FromSeconds(1), "each VM is written twice at most");
        await stopWatching.CancelAsync();
        await watching.ContinueWith(_ => { }, TaskScheduler.Default);

        // One store, one resourceVersion sequence: a VM's last write (labels and finalizer) is ordered against every pod's create.
        var vms = (await fixture.ListAsync()).Items;
        Assert.All(vms, vm => Assert.True(ControllerFixture.IsScheduled(vm), vm.Name()));
        Assert.Equal(vms.ToDictionary(vm => vm.Name(), _ => 2), modified.ToDictionary()); // status, then labels and finalizer; nothing for the pod
        var firstPod = pods.Items.Min(p => long.Parse(p.Metadata.ResourceVersion, CultureInfo.InvariantCulture));
        var placedBefore = vms.Count(vm => long.Parse(vm.Metadata.ResourceVersion, CultureInfo.InvariantCulture) < firstPod);
        Assert.True(placedBefore >= count / 2, $"only {placedBefore} of {count} VMs were placed before the first placeholder pod was created");
    }

    [Fact]
    public async Task A_vm_over_its_namespaces_resource_quota_is_unschedulable_naming_the_quota_until_the_quota_grows()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 2048);
        await fixture.Client.CoreV1.CreateNamespacedResourceQuotaAsync(
            new V1ResourceQuota
            {
                Metadata = new V1ObjectMeta { Name = "vm-budget" },
                Spec = new V1ResourceQuotaSpec { Hard = new Dictionary<string, ResourceQuantity> { ["requests.hugepages-2Mi"] = new("1Gi"), ["requests.cpu"] = new("8") } },
            },
            "default");
        fixture.StartController();
        await fixture.CreateAsync(ControllerFixture.Vm("a", size: "1Gi"));
        await fixture.WaitForAsync("a", ControllerFixture.IsScheduled);

        await fixture.CreateAsync(ControllerFixture.Vm("b", size: "1Gi"));
        var refused = await fixture.WaitForAsync("b", ControllerFixture.IsUnschedulable);

        Assert.Equal(
            "exceeded quota: vm-budget, requested: requests.hugepages-2Mi=1Gi, used: requests.hugepages-2Mi=1Gi, limited: requests.hugepages-2Mi=1Gi",
            ConditionList.Find(refused.Status!.Conditions, VmConditions.Scheduled)!.Message);
        await EventsAsync(fixture, "b", SchedulingReconciler.ReasonQuotaExceeded);

        var quota = await fixture.Client.CoreV1.ReadNamespacedResourceQuotaAsync("vm-budget", "default");
        quota.Spec.Hard["requests.hugepages-2Mi"] = new ResourceQuantity("2Gi");
        await fixture.Client.CoreV1.ReplaceNamespacedResourceQuotaAsync(quota, "vm-budget", "default");
        await fixture.WaitForAsync("b", ControllerFixture.IsScheduled);
    }
}
