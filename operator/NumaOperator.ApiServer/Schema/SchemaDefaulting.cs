using System.Text.Json.Nodes;

namespace NumaOperator.ApiServer.Schema;

/// <summary>
/// Applies schema defaults to missing fields, top-down so defaults inside a defaulted object apply too, and drops
/// nulls of non-nullable fields (a null with a default becomes the default), as the real API server does.
/// </summary>
public static class SchemaDefaulting
{
    public static void ApplyObject(StructuralSchema schema, JsonObject resource)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(resource);
        ApplyFields(schema, resource, isRoot: true);
    }

    private static void Apply(StructuralSchema schema, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                ApplyFields(schema, obj, isRoot: false);
                break;
            case JsonArray array when schema.Items is { } items:
                foreach (var item in array)
                {
                    Apply(items, item);
                }

                break;
        }
    }

    private static void ApplyFields(StructuralSchema schema, JsonObject obj, bool isRoot)
    {
        foreach (var (name, property) in schema.Properties)
        {
            if (isRoot && name == "metadata")
            {
                continue;
            }

            if (property.Default is { } value && (!obj.TryGetPropertyValue(name, out var current) || (current is null && !property.Nullable)))
            {
                obj[name] = value.DeepClone();
            }
        }

        foreach (var (name, value) in obj.ToList())
        {
            if (isRoot && name == "metadata")
            {
                continue;
            }

            var child = schema.Field(name);
            if (child is null)
            {
                continue;
            }

            if (value is null)
            {
                if (!child.Nullable)
                {
                    obj.Remove(name);
                }

                continue;
            }

            Apply(child, value);
        }
    }
}
