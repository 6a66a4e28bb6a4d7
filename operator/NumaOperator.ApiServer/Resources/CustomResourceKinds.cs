using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace NumaOperator.ApiServer.Resources;

/// <summary>Turns CustomResourceDefinitions into served resources: one per served version, as the real apiextensions server does.</summary>
public static class CustomResourceKinds
{
    public static IEnumerable<ResourceKind> FromDefinition(V1CustomResourceDefinition crd)
    {
        ArgumentNullException.ThrowIfNull(crd);
        var spec = crd.Spec ?? throw new ArgumentException($"CustomResourceDefinition {crd.Metadata?.Name} has no spec", nameof(crd));
        var names = spec.Names;
        foreach (var version in spec.Versions ?? [])
        {
            if (!version.Served)
            {
                continue;
            }

            var schema = version.Schema?.OpenAPIV3Schema is { } s
                ? JsonNode.Parse(KubernetesJson.Serialize(s)) as JsonObject
                : null;
            var columns = (version.AdditionalPrinterColumns ?? [])
                .Select(c => new PrinterColumn(c.Name, c.Type, c.JsonPath, c.Description ?? string.Empty, c.Priority ?? 0, c.Format))
                .ToList();
            if (columns.Count == 0)
            {
                columns.Add(new PrinterColumn("Age", "date", ".metadata.creationTimestamp"));
            }

            yield return new ResourceKind
            {
                Group = spec.Group,
                Version = version.Name,
                Kind = names.Kind,
                Plural = names.Plural,
                Singular = string.IsNullOrEmpty(names.Singular) ? names.Kind.ToLowerInvariant() : names.Singular,
                Namespaced = string.Equals(spec.Scope, "Namespaced", StringComparison.Ordinal),
                ShortNames = names.ShortNames?.ToList() ?? [],
                Categories = names.Categories?.ToList() ?? [],
                HasStatusSubresource = version.Subresources?.Status is not null,
                PrinterColumns = columns,
                Schema = schema,
                IsCustomResource = true,
            };
        }
    }
}
