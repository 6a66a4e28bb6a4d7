namespace NumaOperator.Api.Status;

/// <summary>
/// The one key of an object in caches, work queues, ledgers, metrics and messages: "namespace/name" for a namespaced
/// kind, where an object that names no namespace is in "default" (as the API server and kubectl default it), and
/// "name" for a cluster-scoped kind (NumaNodeTopology, Node). Pure.
/// </summary>
public static class ObjectKeys
{
    public const string DefaultNamespace = "default";

    public static string Namespaced(string? ns, string name) => $"{(string.IsNullOrEmpty(ns) ? DefaultNamespace : ns)}/{name}";

    /// <summary>The key of an object of a namespaced kind, or of a cluster-scoped one when <paramref name="clusterScoped"/>.</summary>
    public static string Of(string? ns, string name, bool clusterScoped) => clusterScoped ? name : Namespaced(ns, name);

    /// <summary>Splits a key back into namespace (null for a cluster-scoped key) and name.</summary>
    public static (string? Namespace, string Name) Split(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (null, key) : (key[..slash], key[(slash + 1)..]);
    }
}
