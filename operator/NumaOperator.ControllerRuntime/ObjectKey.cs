using System.Text.Json;
using k8s;
using k8s.Models;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.ControllerRuntime;

/// <summary>
/// Keys of the objects informers cache (<see cref="ObjectKeys"/>'s rule: the kind's scope decides whether an object
/// without a namespace is in "default"), and deep copies.
/// </summary>
public static class ObjectKey
{
    public static string Of(IKubernetesObject<V1ObjectMeta> obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return ObjectKeys.Of(obj.Metadata.NamespaceProperty, obj.Metadata.Name, IsClusterScoped(obj));
    }

    /// <summary>Splits a key back into namespace (null when cluster-scoped) and name.</summary>
    public static (string? Namespace, string Name) Split(string key) => ObjectKeys.Split(key);

    /// <summary>A deep copy to mutate without touching the cached object.</summary>
    public static T Clone<T>(T obj)
    {
        var info = KubernetesJsonOptions.Shared.GetTypeInfo(obj?.GetType() ?? typeof(T));
        return (T)JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(obj, info), info)!;
    }

    /// <summary>The cluster-scoped kinds the informers watch; every other kind is namespaced.</summary>
    private static bool IsClusterScoped(IKubernetesObject<V1ObjectMeta> obj) => obj is NumaNodeTopology or V1Node or V1Namespace;
}
