using k8s.Models;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.ApiServer.Resources;

/// <summary>
/// Minimal CRDs for our two kinds (names, scope, printer columns, status subresource, an open schema), used only
/// where the generated CRDs of NumaOperator.Api are not available.
/// </summary>
public static class StandInCustomResourceDefinitions
{
    public static IReadOnlyList<V1CustomResourceDefinition> All { get; } =
    [
        Build(NumaVirtualMachine.KubeKind, NumaVirtualMachine.Plural, "numavirtualmachine", "Namespaced", ["nvm", "numavm"],
        [
            new() { Name = "Phase", Type = "string", JsonPath = ".status.phase" },
            new() { Name = "Node", Type = "string", JsonPath = ".status.nodeName" },
            new() { Name = "vCPUs", Type = "integer", JsonPath = ".spec.cpu.cores" },
            new() { Name = "Memory", Type = "string", JsonPath = ".spec.memory.size" },
            new() { Name = "Local", Type = "string", JsonPath = ".status.numastat.localRatio" },
            new() { Name = "Age", Type = "date", JsonPath = ".metadata.creationTimestamp" },
        ]),
        Build(NumaNodeTopology.KubeKind, NumaNodeTopology.Plural, "numanodetopology", "Cluster", ["nnt"],
        [
            new() { Name = "Age", Type = "date", JsonPath = ".metadata.creationTimestamp" },
        ]),
    ];

    private static V1CustomResourceDefinition Build(string kind, string plural, string singular, string scope, IList<string> shortNames, IList<V1CustomResourceColumnDefinition> columns)
    {
        var open = new V1JSONSchemaProps { Type = "object", XKubernetesPreserveUnknownFields = true };
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
                    Singular = singular,
                    ShortNames = shortNames,
                    Categories = ["numa"],
                },
                Versions =
                [
                    new V1CustomResourceDefinitionVersion
                    {
                        Name = ApiGroup.Version, Served = true, Storage = true,
                        Subresources = new V1CustomResourceSubresources { Status = new object() },
                        AdditionalPrinterColumns = columns,
                        Schema = new V1CustomResourceValidation
                        {
                            OpenAPIV3Schema = new V1JSONSchemaProps
                            {
                                Type = "object",
                                Properties = new Dictionary<string, V1JSONSchemaProps>
                                {
                                    ["apiVersion"] = new() { Type = "string" },
                                    ["kind"] = new() { Type = "string" },
                                    ["metadata"] = new() { Type = "object" },
                                    ["spec"] = open,
                                    ["status"] = open,
                                },
                            },
                        },
                    },
                ],
            },
        };
    }
}
