using System.Globalization;
using k8s.Models;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Controller.Accounting;

/// <summary>One pod as quota scopes see it.</summary>
/// <param name="BestEffort">No cpu or memory request or limit in any container.</param>
/// <param name="Terminating">spec.activeDeadlineSeconds is set.</param>
public sealed record QuotaScopeFacts(bool BestEffort, bool Terminating, string? PriorityClass)
{
    /// <summary>A VM's placeholder: Burstable (never BestEffort), no deadline, no priority class.</summary>
    public static QuotaScopeFacts Placeholder { get; } = new(false, false, null);

    public static QuotaScopeFacts Of(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var bestEffort = (pod.Spec?.Containers ?? []).Concat(pod.Spec?.InitContainers ?? []).All(c =>
            !(c.Resources?.Requests?.Keys.Any(k => k is "cpu" or "memory") ?? false) && !(c.Resources?.Limits?.Keys.Any(k => k is "cpu" or "memory") ?? false));
        return new(bestEffort, pod.Spec?.ActiveDeadlineSeconds is not null, pod.Spec?.PriorityClassName);
    }
}

/// <summary>
/// Whether placing a VM keeps its namespace within every ResourceQuota that applies to its placeholder pod: used is
/// the namespace's counted pods (not the placeholders: those come from the ledger's placements, so two VMs decided
/// one after the other see each other before their pods exist) plus the other VMs' placeholders; a quota on a
/// resource the placeholder does not set (limits.cpu) cannot be met, as kube-apiserver would refuse the pod. The
/// message is kube-apiserver's ("exceeded quota: NAME, requested: ..., used: ..., limited: ..."). Pure.
/// </summary>
public static class QuotaCheck
{
    /// <summary>Null when every quota of the namespace admits <paramref name="wanted"/>, else the first refusal.</summary>
    public static string? Refusal(
        IEnumerable<V1ResourceQuota> quotas,
        IEnumerable<V1Pod> podsInNamespace,
        IEnumerable<PlaceholderResources> otherPlaceholders,
        PlaceholderResources wanted)
    {
        ArgumentNullException.ThrowIfNull(quotas);
        ArgumentNullException.ThrowIfNull(podsInNamespace);
        ArgumentNullException.ThrowIfNull(otherPlaceholders);
        ArgumentNullException.ThrowIfNull(wanted);
        var pods = podsInNamespace.Where(p => !PlaceholderPod.IsPlaceholder(p) && QuotaUsage.Counts(p))
            .Select(p => (Facts: QuotaScopeFacts.Of(p), Usage: QuotaUsage.Of(p)))
            .Concat(otherPlaceholders.Select(r => (Facts: QuotaScopeFacts.Placeholder, Usage: QuotaUsage.Of(r))))
            .ToList();
        var requested = QuotaUsage.Of(wanted);
        foreach (var quota in quotas.OrderBy(q => q.Metadata.Name, StringComparer.Ordinal))
        {
            if (!Applies(quota, QuotaScopeFacts.Placeholder) || quota.Spec?.Hard is not { Count: > 0 } hard)
            {
                continue;
            }

            var name = quota.Metadata.Name;
            var limitsTracked = hard.Keys.Where(k => k.StartsWith("limits.", StringComparison.Ordinal) && !requested.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
            if (limitsTracked.Count > 0)
            {
                return $"failed quota: {name}: must specify {string.Join(",", limitsTracked)} (a VM's placeholder pod sets no such limit; see docs/api.md)";
            }

            var over = hard.Keys.Where(requested.ContainsKey).Order(StringComparer.Ordinal)
                .Select(resource => (Resource: resource, Used: pods.Where(p => Applies(quota, p.Facts)).Sum(p => p.Usage.GetValueOrDefault(resource)), Limit: hard[resource].ToDecimal()))
                .Where(r => r.Used + requested[r.Resource] > r.Limit)
                .ToList();
            if (over.Count > 0)
            {
                return $"exceeded quota: {name}, requested: {List(over.Select(o => (o.Resource, requested[o.Resource])))}, " +
                    $"used: {List(over.Select(o => (o.Resource, o.Used)))}, limited: {List(over.Select(o => (o.Resource, o.Limit)))}";
            }
        }

        return null;
    }

    /// <summary>True when every scope of the quota (spec.scopes and spec.scopeSelector) selects a pod with these facts.</summary>
    public static bool Applies(V1ResourceQuota quota, QuotaScopeFacts pod)
    {
        ArgumentNullException.ThrowIfNull(quota);
        ArgumentNullException.ThrowIfNull(pod);
        var scopes = (quota.Spec?.Scopes ?? []).Select(s => (Scope: s, Operator: "Exists", Values: (IList<string>)[]))
            .Concat((quota.Spec?.ScopeSelector?.MatchExpressions ?? []).Select(e => (Scope: e.ScopeName, Operator: e.OperatorProperty, Values: e.Values ?? [])));
        return scopes.All(s => Matches(s.Scope, s.Operator, s.Values, pod));
    }

    private static bool Matches(string scope, string op, IList<string> values, QuotaScopeFacts pod)
    {
        var holds = scope switch
        {
            "BestEffort" => pod.BestEffort,
            "NotBestEffort" => !pod.BestEffort,
            "Terminating" => pod.Terminating,
            "NotTerminating" => !pod.Terminating,
            "PriorityClass" => pod.PriorityClass is not null,
            _ => false, // CrossNamespacePodAffinity, VolumeAttributesClass...: a placeholder has none of them
        };
        return (scope, op) switch
        {
            ("PriorityClass", "In") => pod.PriorityClass is { } p && values.Contains(p),
            ("PriorityClass", "NotIn") => pod.PriorityClass is not { } q || !values.Contains(q),
            (_, "DoesNotExist") => !holds,
            _ => holds,
        };
    }

    private static string List(IEnumerable<(string Resource, decimal Value)> items) =>
        string.Join(",", items.Select(i => $"{i.Resource}={Format(i.Resource, i.Value)}"));

    private static string Format(string resource, decimal value) =>
        resource.Contains("memory", StringComparison.Ordinal) || resource.Contains("hugepages-", StringComparison.Ordinal)
            ? ByteQuantity.Format((long)value)
            : value.ToString("0.###", CultureInfo.InvariantCulture);
}
