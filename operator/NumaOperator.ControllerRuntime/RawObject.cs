using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;

namespace NumaOperator.ControllerRuntime;

/// <summary>
/// An object KubernetesClient's untyped custom-object calls hand back (a <see cref="JsonElement"/>): decoded into its
/// type, or read as a tree, straight from the element's UTF-8 bytes.
/// </summary>
public static class RawObject
{
    // Through ToString() every watch event was copied to a UTF-16 string and back before it was parsed a second time.
    public static T Decode<T>(object raw) => raw is JsonElement element
        ? KubernetesJson.Deserialize<T>(element)
        : KubernetesJson.Deserialize<T>(raw.ToString()!);

    /// <summary>The object as a JSON tree; null when it is not a JSON object.</summary>
    public static JsonObject? Tree(object? raw) => raw is JsonElement { ValueKind: JsonValueKind.Object } element ? JsonObject.Create(element) : null;
}
