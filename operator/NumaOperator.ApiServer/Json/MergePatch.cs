using System.Text.Json.Nodes;

namespace NumaOperator.ApiServer.Json;

/// <summary>RFC 7386 JSON merge patch: objects merge key by key, null removes, anything else (lists too) replaces.</summary>
public static class MergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject targetObject ? targetObject : [];
        foreach (var (name, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                var merged = Apply(result[name], value);
                result[name] = merged?.Parent is null ? merged : merged.DeepClone();
            }
        }

        return result;
    }
}
