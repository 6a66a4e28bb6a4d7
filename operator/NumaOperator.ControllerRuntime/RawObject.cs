using System.Text.Json;
using k8s;

namespace NumaOperator.ControllerRuntime;

/// <summary>
/// An object KubernetesClient's untyped custom-object calls hand back (a <see cref="JsonElement"/>), decoded into its
/// type straight from the element's UTF-8 bytes.
/// </summary>
internal static class RawObject
{
    // Through ToString() every watch event was copied to a UTF-16 string and back before it was parsed a second time.
    public static T Decode<T>(object raw) => raw is JsonElement element
        ? KubernetesJson.Deserialize<T>(element)
        : KubernetesJson.Deserialize<T>(raw.ToString()!);
}
