using System.Text.Json.Nodes;

namespace NumaOperator.ApiServer.Schema;

/// <summary>
/// Removes fields the schema does not know, as the real API server does for structural CRDs, and returns their paths
/// so the server can warn (<c>unknown field "spec.foo"</c>) or, with fieldValidation=Strict, reject.
/// </summary>
public static class SchemaPruning
{
    /// <summary>Prunes a whole custom resource: apiVersion, kind and metadata at the root are the server's and stay.</summary>
    public static IReadOnlyList<string> PruneObject(StructuralSchema schema, JsonObject resource)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(resource);
        var pruned = new List<string>();
        PruneFields(schema, resource, string.Empty, pruned, isRoot: true);
        return pruned;
    }

    private static void Prune(StructuralSchema schema, JsonNode? node, string path, List<string> pruned)
    {
        switch (node)
        {
            case JsonObject obj:
                PruneFields(schema, obj, path, pruned, isRoot: false);
                break;
            case JsonArray array when schema.Items is { } items:
                for (var i = 0; i < array.Count; i++)
                {
                    Prune(items, array[i], $"{path}[{i}]", pruned);
                }

                break;
        }
    }

    private static void PruneFields(StructuralSchema schema, JsonObject obj, string path, List<string> pruned, bool isRoot)
    {
        foreach (var (name, value) in obj.ToList())
        {
            var childPath = path.Length == 0 ? name : path + "." + name;
            if ((isRoot || schema.EmbeddedResource) && name is "apiVersion" or "kind" or "metadata")
            {
                continue;
            }

            if (schema.Field(name) is { } child)
            {
                Prune(child, value, childPath, pruned);
            }
            else if (!schema.PreserveUnknownFields)
            {
                obj.Remove(name);
                pruned.Add(childPath);
            }
        }
    }
}
