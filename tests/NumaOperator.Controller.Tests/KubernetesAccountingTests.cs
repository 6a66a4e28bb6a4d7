using k8s;
using k8s.Models;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Controller.Accounting;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Controller.Tests;

/// <summary>The placeholder pod's shape and the ResourceQuota arithmetic, pure.</summary>
public sealed class KubernetesAccountingTests
{
    private static readonly VmPlacement TwoGuestNodes = new(
        "worker-1",
        PageSize.Huge2Mi,
        [
            new GuestNodePlacement(0, 0, CpuSet.Of(0, 1), CpuSet.Of(2, 3), 1L << 30),
            new GuestNodePlacement(1, 1, CpuSet.Of(2, 3), CpuSet.Of(10, 11), 1L << 30),
        ]);

    private static NumaVirtualMachine Vm(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "team-a", Uid = "0b4d7c1e-5f7a-4c1e-9a59-000000000001" },
    };

    private static V1ResourceQuota Quota(string name, Dictionary<string, string> hard, params string[] scopes) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "team-a" },
        Spec = new V1ResourceQuotaSpec
        {
            Hard = hard.ToDictionary(kv => kv.Key, kv => new ResourceQuantity(kv.Value)),
            Scopes = scopes.Length == 0 ? null : scopes,
        },
    };

    private static V1Pod Pod(string name, string? cpu, string? memory, string? phase = null, long? deadline = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "team-a" },
        Spec = new V1PodSpec
        {
            ActiveDeadlineSeconds = deadline,
            Containers =
            [
                new V1Container
                {
                    Name = "app",
                    Resources = new V1ResourceRequirements
                    {
                        Requests = new[] { ("cpu", cpu), ("memory", memory) }.Where(r => r.Item2 is not null).ToDictionary(r => r.Item1, r => new ResourceQuantity(r.Item2!)),
                    },
                },
            ],
        },
        Status = phase is null ? null : new V1PodStatus { Phase = phase },
    };

    [Fact]
    public void The_placeholder_pod_is_bound_owned_burstable_and_requests_exactly_the_vms_cpus_and_hugepages()
    {
        var pod = PlaceholderPod.For(Vm("db"), TwoGuestNodes, PlaceholderPod.DefaultImage);

        SnapshotFile.AssertMatches(
            RepoPaths.Combine("tests", "NumaOperator.Controller.Tests", "Snapshots", "placeholder-pod.json"),
            System.Text.Json.Nodes.JsonNode.Parse(KubernetesJson.Serialize(pod))!.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
        var resources = pod.Spec.Containers[0].Resources;
        Assert.Equal(4m, resources.Requests["cpu"].ToDecimal());
        Assert.Equal(2m * (1L << 30), resources.Requests["hugepages-2Mi"].ToDecimal());
        Assert.Equal(resources.Requests["hugepages-2Mi"].ToDecimal(), resources.Limits["hugepages-2Mi"].ToDecimal());
        Assert.False(resources.Limits.ContainsKey("cpu")); // Burstable: the static CPU manager pins nothing for it
        Assert.True(PlaceholderPod.IsPlaceholder(pod));
        Assert.True(PlaceholderPod.Matches(pod, PlaceholderPod.For(Vm("db"), TwoGuestNodes, "other/pause:1")));
        Assert.False(PlaceholderPod.Matches(pod, PlaceholderPod.For(Vm("db"), TwoGuestNodes with { NodeName = "worker-2" }, PlaceholderPod.DefaultImage)));
    }

    [Fact]
    public void An_ordinary_page_vm_requests_its_memory_and_no_hugepages()
    {
        var resources = PlaceholderResources.Of(2, 3L << 30, PageSize.Normal);

        Assert.Equal(new Dictionary<string, decimal> { ["cpu"] = 2, ["memory"] = 3L << 30 }, resources.Requests.ToDictionary());
        Assert.Empty(resources.Limits);
        Assert.Equal("numavm-db", PlaceholderPod.NameOf("db"));
        Assert.True(PlaceholderPod.NameOf(new string('a', 300)).Length <= 253);
    }

    [Fact]
    public void A_vm_within_every_quota_is_admitted()
    {
        var quota = Quota("vm-budget", new() { ["requests.cpu"] = "9", ["requests.hugepages-2Mi"] = "4Gi", ["pods"] = "10" }); // 1 + 4 + 4 CPUs, 2Gi + 2Gi

        Assert.Null(QuotaCheck.Refusal([quota], [Pod("web", "1", "1Gi")], [PlaceholderResources.Of(TwoGuestNodes)], PlaceholderResources.Of(TwoGuestNodes)));
    }

    [Fact]
    public void Over_quota_names_the_quota_and_each_resource_as_kube_apiserver_does()
    {
        var quota = Quota("vm-budget", new() { ["requests.cpu"] = "5", ["requests.hugepages-2Mi"] = "2Gi", ["requests.memory"] = "100Gi" });

        var refusal = QuotaCheck.Refusal([quota], [Pod("web", "1", "1Gi")], [PlaceholderResources.Of(1, 1L << 30, PageSize.Huge2Mi)], PlaceholderResources.Of(TwoGuestNodes));

        Assert.Equal(
            "exceeded quota: vm-budget, requested: requests.cpu=4,requests.hugepages-2Mi=2Gi, used: requests.cpu=2,requests.hugepages-2Mi=1Gi, limited: requests.cpu=5,requests.hugepages-2Mi=2Gi",
            refusal);
    }

    [Fact]
    public void Terminal_pods_and_other_placeholders_pods_are_not_counted_twice_and_short_names_mean_requests()
    {
        var quota = Quota("q", new() { ["cpu"] = "5", ["hugepages-2Mi"] = "2Gi" });
        var otherPlaceholder = PlaceholderPod.For(Vm("other"), TwoGuestNodes, PlaceholderPod.DefaultImage); // counted from the ledger, not from its pod
        var done = Pod("job", "8", null, phase: "Succeeded");

        Assert.Null(QuotaCheck.Refusal([quota], [otherPlaceholder, done, Pod("web", "1", null)], [], PlaceholderResources.Of(TwoGuestNodes)));
        Assert.StartsWith("exceeded quota: q, requested: cpu=4, used: cpu=2", QuotaCheck.Refusal([quota], [Pod("web", "2", null)], [], PlaceholderResources.Of(TwoGuestNodes)), StringComparison.Ordinal);
    }

    [Fact]
    public void Scoped_quotas_apply_only_to_the_pods_they_select()
    {
        var bestEffortOnly = Quota("be", new() { ["pods"] = "0" }, "BestEffort");
        var terminatingOnly = Quota("term", new() { ["requests.cpu"] = "1" }, "Terminating");
        var notBestEffort = Quota("nbe", new() { ["requests.cpu"] = "5" }, "NotBestEffort", "NotTerminating");

        Assert.Null(QuotaCheck.Refusal([bestEffortOnly, terminatingOnly], [], [], PlaceholderResources.Of(TwoGuestNodes)));
        // A Terminating pod's 3 CPUs are outside the NotTerminating quota; a BestEffort pod has none to count.
        Assert.Null(QuotaCheck.Refusal([notBestEffort], [Pod("batch", "3", null, deadline: 60), Pod("be", null, null)], [], PlaceholderResources.Of(TwoGuestNodes)));
        Assert.StartsWith("exceeded quota: nbe", QuotaCheck.Refusal([notBestEffort], [Pod("web", "2", null)], [], PlaceholderResources.Of(TwoGuestNodes)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_quota_on_cpu_limits_cannot_admit_a_placeholder_which_sets_none()
    {
        var quota = Quota("limits", new() { ["limits.cpu"] = "100", ["limits.memory"] = "100Gi" });

        Assert.Equal(
            "failed quota: limits: must specify limits.cpu (a VM's placeholder pod sets no such limit; see docs/api.md)",
            QuotaCheck.Refusal([quota], [], [], PlaceholderResources.Of(TwoGuestNodes)));
    }
}
