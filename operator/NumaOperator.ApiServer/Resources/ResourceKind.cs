using System.Text.Json.Nodes;

namespace NumaOperator.ApiServer.Resources;

/// <summary>An additionalPrinterColumn of a CRD (or the built-in equivalent): one column of <c>kubectl get</c>.</summary>
public sealed record PrinterColumn(string Name, string Type, string JsonPath, string Description = "", int Priority = 0, string? Format = null);

/// <summary>
/// One served resource: what discovery advertises, what the request router resolves a URL to and what the
/// storage keys objects by. Custom resources are built from their CustomResourceDefinition.
/// </summary>
public sealed class ResourceKind
{
    public required string Group { get; init; }

    public required string Version { get; init; }

    public required string Kind { get; init; }

    public required string Plural { get; init; }

    public required string Singular { get; init; }

    public required bool Namespaced { get; init; }

    public IReadOnlyList<string> ShortNames { get; init; } = [];

    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>True when a /status subresource exists: the main resource then ignores status and /status ignores the rest.</summary>
    public bool HasStatusSubresource { get; init; }

    public IReadOnlyList<PrinterColumn> PrinterColumns { get; init; } = [];

    /// <summary>The openAPIV3Schema of the served version (null: anything is accepted).</summary>
    public JsonObject? Schema { get; init; }

    /// <summary>Custom resources: generation starts at 1, strategic merge patch is refused (415), updates need a resourceVersion.</summary>
    public bool IsCustomResource { get; init; }

    /// <summary>Served for reading only (list, get, watch).</summary>
    public bool ReadOnly { get; init; }

    public string ApiVersion => Group.Length == 0 ? Version : Group + "/" + Version;

    public string ListKind => Kind + "List";

    /// <summary>"numavirtualmachines.numaoperator.io" or "namespaces": how the real server names a resource in messages.</summary>
    public string GroupResource => Group.Length == 0 ? Plural : Plural + "." + Group;

    /// <summary>"NumaVirtualMachine.numaoperator.io": the qualified kind used in 422 messages.</summary>
    public string GroupKind => Group.Length == 0 ? Kind : Kind + "." + Group;

    /// <summary>Storage key: the same resource at another version would share it.</summary>
    public string StorageKey => GroupResource;

    public IReadOnlyList<string> Verbs => ReadOnly
        ? ["get", "list", "watch"]
        : ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
}
