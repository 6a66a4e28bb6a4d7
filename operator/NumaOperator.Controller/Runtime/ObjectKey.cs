using k8s;
using k8s.Models;

namespace NumaOperator.Controller.Runtime;

/// <summary>Keys of objects in caches and work queues ("namespace/name", or "name" when cluster-scoped), and deep copies.</summary>
public static class ObjectKey
{
    public static string Of(IKubernetesObject<V1ObjectMeta> obj) => Of(obj.Metadata.NamespaceProperty, obj.Metadata.Name);

    public static string Of(string? ns, string name) => string.IsNullOrEmpty(ns) ? name : $"{ns}/{name}";

    /// <summary>Splits a key back into namespace (null when cluster-scoped) and name.</summary>
    public static (string? Namespace, string Name) Split(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (null, key) : (key[..slash], key[(slash + 1)..]);
    }

    /// <summary>A deep copy to mutate without touching the cached object.</summary>
    public static T Clone<T>(T obj) => KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(obj));
}
