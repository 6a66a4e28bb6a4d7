using k8s.Models;
using NumaOperator.Api.Crds;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Api.Tests.Crds;

/// <summary>docs/api.md documents both resources: every field, every printer column, every condition type.</summary>
public class ApiDocsTests
{
    private static readonly string Doc = File.ReadAllText(RepoPaths.Combine("docs", "api.md"));

    private static IEnumerable<string> FieldPaths(V1JSONSchemaProps schema, string path)
    {
        foreach (var (name, child) in schema.Properties ?? new Dictionary<string, V1JSONSchemaProps>())
        {
            var childPath = path.Length == 0 ? name : path + "." + name;
            if (childPath is "apiVersion" or "kind" or "metadata" || childPath.StartsWith("status.conditions.", StringComparison.Ordinal))
            {
                continue;
            }

            yield return childPath;
            var next = child.Type == "array" && child.Items is V1JSONSchemaProps items ? items : child;
            foreach (var nested in FieldPaths(next, childPath))
            {
                yield return nested;
            }
        }
    }

    [Fact]
    public void Every_field_of_both_crds_is_documented()
    {
        var missing = NumaOperatorCrds.All()
            .SelectMany(crd => FieldPaths(crd.Spec.Versions.Single().Schema.OpenAPIV3Schema, string.Empty).Select(p => $"{crd.Spec.Names.Kind} {p}"))
            .Where(p => !Doc.Contains($"`{p.Split(' ')[1]}`", StringComparison.Ordinal))
            .ToList();
        Assert.True(missing.Count == 0, "docs/api.md does not mention: " + string.Join(", ", missing));
    }

    [Fact]
    public void Both_kinds_printer_columns_and_conditions_are_documented()
    {
        Assert.Contains("## NumaVirtualMachine", Doc, StringComparison.Ordinal);
        Assert.Contains("## NumaNodeTopology", Doc, StringComparison.Ordinal);
        foreach (var column in NumaOperatorCrds.All().SelectMany(c => c.Spec.Versions.Single().AdditionalPrinterColumns))
        {
            Assert.Contains($"`{column.JsonPath}`", Doc, StringComparison.Ordinal);
        }

        foreach (var condition in new[] { "Scheduled", "Running", "NumaAligned", "Ready", "Reconciling", "Stalled" })
        {
            Assert.Contains($"| `{condition}` |", Doc, StringComparison.Ordinal);
        }
    }
}
