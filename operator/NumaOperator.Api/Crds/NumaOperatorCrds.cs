using k8s.Models;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Api.Crds;

/// <summary>
/// The CustomResourceDefinitions of NumaOperator, generated from the v1alpha1 types. crds/ holds their YAML
/// (<c>numa-operator crds --output-dir crds</c>); the embedded API server serves from these same objects.
/// </summary>
public static class NumaOperatorCrds
{
    public const string Category = "numa";

    /// <summary>Every CRD, ordered by name (numanodetopologies, numavirtualmachinemigrations, numavirtualmachines).</summary>
    public static IReadOnlyList<V1CustomResourceDefinition> All() => [NumaNodeTopologyCrd(), NumaVirtualMachineMigrationCrd(), NumaVirtualMachineCrd()];

    public static V1CustomResourceDefinition NumaVirtualMachineCrd() => Build(
        typeof(NumaVirtualMachine),
        NumaVirtualMachine.KubeKind,
        NumaVirtualMachine.Plural,
        "Namespaced",
        ["nvm", "numavm"],
        "NumaVirtualMachine is a QEMU virtual machine whose vCPUs and memory are placed on, bound to and measured on host NUMA nodes. "
            + "The controller places it (status.placement), the node agent starts QEMU with bound memory and pinned vCPUs and reports where guest RAM really is (status.numastat).",
        [
            Column("Phase", "string", ".status.phase", "Lifecycle phase"),
            Column("Node", "string", ".status.nodeName", "Kubernetes node the VM is placed on"),
            Column("NUMA", "string", ".status.placement.guestNodes[*].hostNode", "Host NUMA node of the first guest NUMA node (kubectl shows the first match of a JSONPath; see status.placement for all)"),
            Column("vCPUs", "integer", ".spec.cpu.cores", "Number of vCPUs"),
            Column("Memory", "string", ".spec.memory.size", "Guest RAM"),
            Column("Local", "string", ".status.numastat.localRatio", "Measured share of guest RAM on the placed host NUMA nodes"),
            Column("Age", "date", ".metadata.creationTimestamp", "Time since the object was created"),
            Column("Pages", "string", ".spec.memory.hugepages.pageSize", "Hugepage size backing guest RAM", priority: 1),
            Column("Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status", "Ready condition", priority: 1),
        ]);

    public static V1CustomResourceDefinition NumaVirtualMachineMigrationCrd() => Build(
        typeof(NumaVirtualMachineMigration),
        NumaVirtualMachineMigration.KubeKind,
        NumaVirtualMachineMigration.Plural,
        "Namespaced",
        ["nvmim", "numavmim"],
        "NumaVirtualMachineMigration asks to move one running NumaVirtualMachine, live, to another node or to other host NUMA nodes of its node. "
            + "The controller chooses and holds the target placement, the agents run QEMU's migration, and the target's numa_maps are measured before the VM is declared moved; any failure leaves the VM running on its source.",
        [
            Column("Phase", "string", ".status.phase", "Where the move stands"),
            Column("VM", "string", ".spec.vmName", "The NumaVirtualMachine moved"),
            Column("Source", "string", ".status.sourceNode", "Node the VM ran on when the move was scheduled"),
            Column("Target", "string", ".status.targetNode", "Node the controller chose"),
            Column("Age", "date", ".metadata.creationTimestamp", "Time since the object was created"),
            Column("Reason", "string", ".status.reason", "Why the move failed", priority: 1),
            Column("Remaining", "integer", ".status.progress.dataRemaining", "Bytes still to send in this pass", priority: 1),
        ]);

    public static V1CustomResourceDefinition NumaNodeTopologyCrd() => Build(
        typeof(NumaNodeTopology),
        NumaNodeTopology.KubeKind,
        NumaNodeTopology.Plural,
        "Cluster",
        ["nnt"],
        "NumaNodeTopology holds the NUMA facts of one Kubernetes node (named after the node), published by its agent from sysfs: "
            + "NUMA nodes, CPUs, SMT cores, memory, hugepage pools and distances. spec.reservedCpus is set by the admin.",
        [
            Column("QEMU", "string", ".status.qemu.version", "QEMU version found on the node"),
            Column("KVM", "boolean", ".status.qemu.kvm", "Whether /dev/kvm is usable"),
            Column("Reserved", "string", ".spec.reservedCpus", "Host CPUs never given to VMs"),
            Column("Heartbeat", "date", ".status.heartbeatTime", "Time since the agent last published"),
            Column("Age", "date", ".metadata.creationTimestamp", "Time since the object was created"),
        ]);

    private static V1CustomResourceColumnDefinition Column(string name, string type, string jsonPath, string description, int priority = 0) =>
        new() { Name = name, Type = type, JsonPath = jsonPath, Description = description, Priority = priority == 0 ? null : priority };

    private static V1CustomResourceDefinition Build(
        Type type, string kind, string plural, string scope, IList<string> shortNames, string description, IList<V1CustomResourceColumnDefinition> columns)
    {
        var root = OpenApiSchemaGenerator.ForObject(type);
        root.Description = description;
        root.Properties["apiVersion"] = new V1JSONSchemaProps
        {
            Type = "string",
            Description = "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.",
        };
        root.Properties["kind"] = new V1JSONSchemaProps
        {
            Type = "string",
            Description = "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. In CamelCase.",
        };
        root.Properties["metadata"] = new V1JSONSchemaProps { Type = "object", Description = "Standard object metadata." };
        root.Properties = new Dictionary<string, V1JSONSchemaProps>(root.Properties.OrderBy(p => p.Key, StringComparer.Ordinal), StringComparer.Ordinal);

        return new V1CustomResourceDefinition
        {
            ApiVersion = "apiextensions.k8s.io/v1",
            Kind = "CustomResourceDefinition",
            Metadata = new V1ObjectMeta { Name = plural + "." + ApiGroup.Group },
            Spec = new V1CustomResourceDefinitionSpec
            {
                Group = ApiGroup.Group,
                Scope = scope,
                Names = new V1CustomResourceDefinitionNames
                {
                    Kind = kind,
                    ListKind = kind + "List",
                    Plural = plural,
                    Singular = kind.ToLowerInvariant(),
                    ShortNames = shortNames,
                    Categories = [Category],
                },
                Versions =
                [
                    new V1CustomResourceDefinitionVersion
                    {
                        Name = ApiGroup.Version,
                        Served = true,
                        Storage = true,
                        Subresources = new V1CustomResourceSubresources { Status = new Dictionary<string, object>() },
                        AdditionalPrinterColumns = columns,
                        Schema = new V1CustomResourceValidation { OpenAPIV3Schema = root },
                    },
                ],
            },
        };
    }
}
