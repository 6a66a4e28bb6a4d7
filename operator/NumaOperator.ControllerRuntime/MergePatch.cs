using System.Text.Json;
using System.Text.Json.Nodes;

namespace NumaOperator.ControllerRuntime;

/// <summary>
/// Builds JSON merge patches (RFC 7386) between two versions of one JSON value. KubernetesClient's serializer drops
/// nulls, so a field present before and absent now must be sent as an explicit null to clear it; lists are replaced
/// whole (so a conditions list is always sent complete).
/// </summary>
public static class MergePatch
{
    /// <summary>The patch turning <paramref name="before"/> into <paramref name="after"/>, or null when they are equal.</summary>
    public static JsonObject? Diff(JsonObject? before, JsonObject? after) =>
        TryDiff(before, after, out var patch) ? patch as JsonObject ?? new JsonObject() : null;

    private static bool TryDiff(JsonNode? before, JsonNode? after, out JsonNode? patch)
    {
        patch = null;
        if (JsonNode.DeepEquals(before, after))
        {
            return false;
        }

        if (before is not JsonObject from || after is not JsonObject to)
        {
            patch = after?.DeepClone(); // null clears the field
            return true;
        }

        var changes = new JsonObject();
        foreach (var (name, value) in to)
        {
            if (!from.TryGetPropertyValue(name, out var old))
            {
                changes[name] = value?.DeepClone();
            }
            else if (TryDiff(old, value, out var inner))
            {
                changes[name] = inner;
            }
        }

        foreach (var (name, _) in from)
        {
            if (!to.ContainsKey(name))
            {
                changes[name] = null;
            }
        }

        patch = changes;
        return changes.Count > 0;
    }

    /// <summary>An object as a JSON tree, through KubernetesClient's serializer (its property names and formats).</summary>
    public static JsonObject? ToNode<T>(T? value) =>
        value is null ? null : JsonSerializer.SerializeToNode(value, KubernetesJsonOptions.Shared.GetTypeInfo(value.GetType())) as JsonObject;
}
