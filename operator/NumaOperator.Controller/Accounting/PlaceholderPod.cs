using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using k8s.Models;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Controller.Accounting;

/// <summary>
/// What a placed VM takes from its node, as pod resources (docs/architecture.md, "Kubernetes accounting"): cpu = its
/// vCPUs; hugepages-&lt;size&gt; = its guest RAM (request = limit, as Kubernetes requires); memory = a small fixed
/// amount (hugepage pods must request memory or cpu; the pause container needs little) or, for a VM on ordinary
/// pages, its guest RAM (requested, not limited). No cpu limit: the pod is Burstable, so the kubelet's static CPU
/// manager and the Memory/Topology Managers pin nothing for it. Quantities in base units (cores, bytes).
/// </summary>
public sealed record PlaceholderResources(IReadOnlyDictionary<string, decimal> Requests, IReadOnlyDictionary<string, decimal> Limits)
{
    /// <summary>The memory request (and limit) of a hugepage VM's placeholder: what the pause container may use.</summary>
    public const long SmallMemoryBytes = 16L << 20;

    public static PlaceholderResources Of(int vcpus, long memoryBytes, PageSize pageSize)
    {
        var requests = new SortedDictionary<string, decimal>(StringComparer.Ordinal) { ["cpu"] = vcpus };
        var limits = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
        if (pageSize.IsHuge)
        {
            var hugepages = HugepagesResource(pageSize);
            requests[hugepages] = limits[hugepages] = memoryBytes;
            requests["memory"] = limits["memory"] = SmallMemoryBytes;
        }
        else
        {
            requests["memory"] = memoryBytes;
        }

        return new PlaceholderResources(requests, limits);
    }

    public static PlaceholderResources Of(VmPlacement placement)
    {
        ArgumentNullException.ThrowIfNull(placement);
        return Of(placement.GuestNodes.Sum(g => g.Vcpus.Count), placement.MemoryBytes, placement.PageSize);
    }

    public static PlaceholderResources Of(VmRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Of(request.Vcpus, request.MemoryBytes, request.PageSize);
    }

    /// <summary>"hugepages-2Mi", "hugepages-1Gi": the kubelet's resource name for a page size.</summary>
    public static string HugepagesResource(PageSize pageSize)
    {
        return "hugepages-" + ByteQuantity.Format(pageSize.Bytes);
    }

    public V1ResourceRequirements ToRequirements() => new()
    {
        Requests = Requests.ToDictionary(kv => kv.Key, kv => Quantity(kv.Key, kv.Value), StringComparer.Ordinal),
        Limits = Limits.Count == 0 ? null : Limits.ToDictionary(kv => kv.Key, kv => Quantity(kv.Key, kv.Value), StringComparer.Ordinal),
    };

    private static ResourceQuantity Quantity(string name, decimal value) =>
        new(name == "cpu" ? value.ToString(CultureInfo.InvariantCulture) : ByteQuantity.Format((long)value));
}

/// <summary>
/// The per-VM placeholder pod (KubeVirt's virt-launcher idea, without the VM inside it): in the VM's namespace, owned
/// by the VM (garbage-collected with it), bound to the VM's node with spec.nodeName (kube-scheduler is bypassed, the
/// kubelet admits it against the node's allocatable), running only a pause container and requesting exactly the VM's
/// <see cref="PlaceholderResources"/>, so kube-scheduler and ResourceQuota count what the VM holds. Pure.
/// </summary>
public static class PlaceholderPod
{
    public const string DefaultImage = "registry.k8s.io/pause:3.10";
    public const string ContainerName = "vm";

    /// <summary>Label on every placeholder pod (value: the VM's name, or its hash when longer than a label value may be).</summary>
    public const string VmLabel = ApiGroup.Group + "/vm";

    private const string Prefix = "numavm-";

    /// <summary>"numavm-&lt;vm name&gt;", shortened with a hash when longer than a pod name may be.</summary>
    public static string NameOf(string vmName)
    {
        ArgumentNullException.ThrowIfNull(vmName);
        var name = Prefix + vmName;
        return name.Length <= 253 ? name : string.Concat(name.AsSpan(0, 240), "-", Hash(vmName));
    }

    /// <summary>True for a pod this controller made for a VM (controller ownerReference of kind NumaVirtualMachine).</summary>
    public static bool IsPlaceholder(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return pod.Metadata?.OwnerReferences?.Any(o => o.Controller == true && o.Kind == NumaVirtualMachine.KubeKind && o.ApiVersion == ApiGroup.ApiVersion) == true;
    }

    /// <summary>The placeholder of <paramref name="vm"/> placed as <paramref name="placement"/>.</summary>
    public static V1Pod For(NumaVirtualMachine vm, VmPlacement placement, string image)
    {
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentNullException.ThrowIfNull(placement);
        ArgumentException.ThrowIfNullOrWhiteSpace(image);
        var vmName = vm.Metadata.Name;
        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = NameOf(vmName),
                NamespaceProperty = vm.Metadata.NamespaceProperty,
                Labels = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    [VmLabel] = vmName.Length <= 63 ? vmName : Hash(vmName),
                    ["app.kubernetes.io/managed-by"] = "numa-operator",
                    ["app.kubernetes.io/component"] = "vm-placeholder",
                },
                Annotations = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    [ApiGroup.Group + "/placement"] = $"{placement.NodeName} host NUMA nodes {placement.HostNodes}",
                },
                OwnerReferences =
                [
                    new V1OwnerReference
                    {
                        ApiVersion = ApiGroup.ApiVersion,
                        Kind = NumaVirtualMachine.KubeKind,
                        Name = vmName,
                        Uid = vm.Metadata.Uid,
                        Controller = true,
                        BlockOwnerDeletion = true,
                    },
                ],
            },
            Spec = new V1PodSpec
            {
                NodeName = placement.NodeName,
                RestartPolicy = "Always",
                TerminationGracePeriodSeconds = 0,
                AutomountServiceAccountToken = false,
                EnableServiceLinks = false,
                Tolerations = [new V1Toleration { OperatorProperty = "Exists" }], // bound to the VM's node whatever its taints
                SecurityContext = new V1PodSecurityContext { RunAsNonRoot = true, RunAsUser = 65535, RunAsGroup = 65535 },
                Containers =
                [
                    new V1Container
                    {
                        Name = ContainerName,
                        Image = image,
                        Resources = PlaceholderResources.Of(placement).ToRequirements(),
                        SecurityContext = new V1SecurityContext
                        {
                            AllowPrivilegeEscalation = false,
                            ReadOnlyRootFilesystem = true,
                            Capabilities = new V1Capabilities { Drop = ["ALL"] },
                        },
                    },
                ],
            },
        };
    }

    /// <summary>True when <paramref name="existing"/> already is <paramref name="wanted"/> as far as accounting goes (node, owner, requests, limits).</summary>
    public static bool Matches(V1Pod existing, V1Pod wanted)
    {
        ArgumentNullException.ThrowIfNull(existing);
        ArgumentNullException.ThrowIfNull(wanted);
        return existing.Spec?.NodeName == wanted.Spec.NodeName
            && existing.Metadata.OwnerReferences?.FirstOrDefault()?.Uid == wanted.Metadata.OwnerReferences[0].Uid
            && SameQuantities(existing.Spec?.Containers?.FirstOrDefault()?.Resources?.Requests, wanted.Spec.Containers[0].Resources.Requests)
            && SameQuantities(existing.Spec?.Containers?.FirstOrDefault()?.Resources?.Limits, wanted.Spec.Containers[0].Resources.Limits);
    }

    private static bool SameQuantities(IDictionary<string, ResourceQuantity>? a, IDictionary<string, ResourceQuantity>? b)
    {
        var left = a ?? new Dictionary<string, ResourceQuantity>();
        var right = b ?? new Dictionary<string, ResourceQuantity>();
        return left.Count == right.Count && left.All(kv => right.TryGetValue(kv.Key, out var q) && q.ToDecimal() == kv.Value.ToDecimal());
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
}
