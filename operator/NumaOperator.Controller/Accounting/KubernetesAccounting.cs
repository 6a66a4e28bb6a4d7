using k8s.Models;
using NumaOperator.Controller.Scheduling;
using NumaOperator.ControllerRuntime;

namespace NumaOperator.Controller.Accounting;

/// <summary>What the scheduling reconciler needs to account VMs to Kubernetes: the pods and quotas it reads, the writer of placeholder pods, their image, and how refused placements are retried.</summary>
public sealed record KubernetesAccounting(
    ObjectCache<V1Pod> Pods,
    ObjectCache<V1ResourceQuota> Quotas,
    PlaceholderPodWriter Writer,
    string PlaceholderImage,
    PlacementRetryPolicy Retry);
