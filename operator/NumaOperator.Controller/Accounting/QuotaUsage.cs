using k8s.Models;

namespace NumaOperator.Controller.Accounting;

/// <summary>
/// What one pod counts against a ResourceQuota, under the names quotas use: requests.cpu (also cpu), requests.memory
/// (also memory), limits.cpu, limits.memory, requests.hugepages-&lt;size&gt; (also hugepages-&lt;size&gt;), pods and
/// count/pods. A container resource is the larger of the containers' sum and the largest init container, as
/// kube-apiserver computes it. Pure.
/// </summary>
public static class QuotaUsage
{
    public static IReadOnlyDictionary<string, decimal> Of(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var requests = Effective(pod, r => r.Requests);
        var limits = Effective(pod, r => r.Limits);
        return Of(requests, limits);
    }

    public static IReadOnlyDictionary<string, decimal> Of(PlaceholderResources resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        return Of(resources.Requests, resources.Limits);
    }

    /// <summary>A terminal pod (Succeeded, Failed) no longer counts.</summary>
    public static bool Counts(V1Pod pod) => pod.Status?.Phase is not ("Succeeded" or "Failed");

    private static Dictionary<string, decimal> Of(IReadOnlyDictionary<string, decimal> requests, IReadOnlyDictionary<string, decimal> limits)
    {
        var usage = new Dictionary<string, decimal>(StringComparer.Ordinal) { ["pods"] = 1, ["count/pods"] = 1 };
        foreach (var (name, value) in requests)
        {
            usage["requests." + name] = value;
            if (name is "cpu" or "memory" || name.StartsWith("hugepages-", StringComparison.Ordinal))
            {
                usage[name] = value; // the short names mean requests
            }
        }

        foreach (var (name, value) in limits.Where(kv => kv.Key is "cpu" or "memory"))
        {
            usage["limits." + name] = value;
        }

        return usage;
    }

    private static Dictionary<string, decimal> Effective(V1Pod pod, Func<V1ResourceRequirements, IDictionary<string, ResourceQuantity>?> pick)
    {
        var sum = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var container in pod.Spec?.Containers ?? [])
        {
            foreach (var (name, quantity) in (container.Resources is null ? null : pick(container.Resources)) ?? new Dictionary<string, ResourceQuantity>())
            {
                sum[name] = sum.GetValueOrDefault(name) + quantity.ToDecimal();
            }
        }

        foreach (var init in pod.Spec?.InitContainers ?? [])
        {
            foreach (var (name, quantity) in (init.Resources is null ? null : pick(init.Resources)) ?? new Dictionary<string, ResourceQuantity>())
            {
                sum[name] = Math.Max(sum.GetValueOrDefault(name), quantity.ToDecimal());
            }
        }

        return sum;
    }
}
