namespace NumaOperator.Packaging.Tests;

/// <summary>
/// The Kubernetes minor release in which each API (apiVersion, kind) the chart may render was first served as GA, and
/// the one that stopped serving it, from the Kubernetes API reference and its deprecation guide
/// (kubernetes.io/docs/reference/using-api/deprecation-guide). Kinds of other projects' CRDs (Prometheus Operator)
/// exist only where those CRDs are installed, which the chart leaves to values. A kind missing here fails the test
/// that uses the table, so a new template has to say which Kubernetes serves it.
/// </summary>
public static class KubernetesApiAvailability
{
    public sealed record Availability(int? SinceMinor, int? RemovedInMinor, string? InstalledBy = null);

    private static readonly Dictionary<(string ApiVersion, string Kind), Availability> Table = new()
    {
        [("v1", "ConfigMap")] = new(0, null),
        [("v1", "Service")] = new(0, null),
        [("v1", "ServiceAccount")] = new(0, null),
        [("apps/v1", "Deployment")] = new(9, null),
        [("apps/v1", "DaemonSet")] = new(9, null),
        [("rbac.authorization.k8s.io/v1", "ClusterRole")] = new(8, null),
        [("rbac.authorization.k8s.io/v1", "ClusterRoleBinding")] = new(8, null),
        [("rbac.authorization.k8s.io/v1", "Role")] = new(8, null),
        [("rbac.authorization.k8s.io/v1", "RoleBinding")] = new(8, null),
        [("policy/v1", "PodDisruptionBudget")] = new(21, null),
        [("apiextensions.k8s.io/v1", "CustomResourceDefinition")] = new(16, null),
        [("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy")] = new(30, null),
        [("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicyBinding")] = new(30, null),
        [("admissionregistration.k8s.io/v1beta1", "ValidatingAdmissionPolicy")] = new(28, 34),
        [("monitoring.coreos.com/v1", "ServiceMonitor")] = new(null, null, "the Prometheus Operator's CRDs"),
        [("monitoring.coreos.com/v1", "PrometheusRule")] = new(null, null, "the Prometheus Operator's CRDs"),
    };

    /// <summary>Null when Kubernetes 1.<paramref name="minor"/> serves the kind (or a CRD of another project provides it), else why not.</summary>
    public static string? WhyNotServed(string apiVersion, string kind, int minor)
    {
        if (!Table.TryGetValue((apiVersion, kind), out var a))
        {
            return $"{apiVersion} {kind} is not in KubernetesApiAvailability: add the release that serves it";
        }

        if (a.InstalledBy is not null)
        {
            return null;
        }

        if (minor < a.SinceMinor)
        {
            return $"{apiVersion} {kind} is served from Kubernetes 1.{a.SinceMinor}, not 1.{minor}";
        }

        return minor >= a.RemovedInMinor ? $"{apiVersion} {kind} is no longer served in Kubernetes 1.{minor} (removed in 1.{a.RemovedInMinor})" : null;
    }
}
