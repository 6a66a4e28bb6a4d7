namespace NumaOperator.ApiServer.Resources;

/// <summary>The Kubernetes built-in resources the embedded server serves (the ones the controller and agent use).</summary>
public static class BuiltinResources
{
    private static readonly PrinterColumn Age = new("Age", "date", ".metadata.creationTimestamp", "time since creation");

    public static ResourceKind Namespaces { get; } = new()
    {
        Group = string.Empty,
        Version = "v1",
        Kind = "Namespace",
        Plural = "namespaces",
        Singular = "namespace",
        Namespaced = false,
        ShortNames = ["ns"],
        HasStatusSubresource = true,
        PrinterColumns = [new("Status", "string", ".status.phase"), Age],
    };

    public static ResourceKind Nodes { get; } = new()
    {
        Group = string.Empty,
        Version = "v1",
        Kind = "Node",
        Plural = "nodes",
        Singular = "node",
        Namespaced = false,
        ShortNames = ["no"],
        HasStatusSubresource = true,
        PrinterColumns = [new("Status", "string", ".status.conditions[?(@.type==\"Ready\")].status"), Age, new("Version", "string", ".status.nodeInfo.kubeletVersion")],
    };

    public static ResourceKind CoreEvents { get; } = new()
    {
        Group = string.Empty,
        Version = "v1",
        Kind = "Event",
        Plural = "events",
        Singular = "event",
        Namespaced = true,
        ShortNames = ["ev"],
        PrinterColumns = [new("Type", "string", ".type"), new("Reason", "string", ".reason"), new("Object", "string", ".involvedObject.name"), new("Message", "string", ".message")],
    };

    public static ResourceKind Events { get; } = new()
    {
        Group = "events.k8s.io",
        Version = "v1",
        Kind = "Event",
        Plural = "events",
        Singular = "event",
        Namespaced = true,
        ShortNames = ["ev"],
        PrinterColumns = [new("Type", "string", ".type"), new("Reason", "string", ".reason"), new("Object", "string", ".regarding.name"), new("Note", "string", ".note")],
    };

    public static ResourceKind Leases { get; } = new()
    {
        Group = "coordination.k8s.io",
        Version = "v1",
        Kind = "Lease",
        Plural = "leases",
        Singular = "lease",
        Namespaced = true,
        PrinterColumns = [new("Holder", "string", ".spec.holderIdentity"), Age],
    };

    public static ResourceKind CustomResourceDefinitions { get; } = new()
    {
        Group = "apiextensions.k8s.io",
        Version = "v1",
        Kind = "CustomResourceDefinition",
        Plural = "customresourcedefinitions",
        Singular = "customresourcedefinition",
        Namespaced = false,
        ShortNames = ["crd", "crds"],
        ReadOnly = true,
        PrinterColumns = [new("Created At", "string", ".metadata.creationTimestamp")],
    };

    /// <summary>The controller's per-VM placeholder pods (and any other pod a ResourceQuota counts); stored, never run.</summary>
    public static ResourceKind Pods { get; } = new()
    {
        Group = string.Empty,
        Version = "v1",
        Kind = "Pod",
        Plural = "pods",
        Singular = "pod",
        Namespaced = true,
        ShortNames = ["po"],
        Categories = ["all"],
        HasStatusSubresource = true,
        PrinterColumns = [new("Node", "string", ".spec.nodeName"), new("Status", "string", ".status.phase"), Age],
    };

    public static ResourceKind ResourceQuotas { get; } = new()
    {
        Group = string.Empty,
        Version = "v1",
        Kind = "ResourceQuota",
        Plural = "resourcequotas",
        Singular = "resourcequota",
        Namespaced = true,
        ShortNames = ["quota"],
        HasStatusSubresource = true,
        PrinterColumns = [Age],
    };

    /// <summary>core/v1 Secrets: spec.cloudInit's userDataSecretRef/networkDataSecretRef (the agent reads them). Stored as sent (stringData is not folded into data; the agent reads both).</summary>
    public static ResourceKind Secrets { get; } = new()
    {
        Group = string.Empty,
        Version = "v1",
        Kind = "Secret",
        Plural = "secrets",
        Singular = "secret",
        Namespaced = true,
        PrinterColumns = [new("Type", "string", ".type"), Age],
    };

    public static IReadOnlyList<ResourceKind> All { get; } = [Namespaces, Nodes, CoreEvents, Events, Leases, CustomResourceDefinitions, Pods, ResourceQuotas, Secrets];
}
