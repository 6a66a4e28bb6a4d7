using System.Text.Json.Nodes;

namespace NumaOperator.ApiServer.Schema;

/// <summary>The apimachinery meta/v1 schemas the CRD documents refer to (ObjectMeta, ListMeta, Status), with the fields kubectl explain shows.</summary>
internal static class MetaSchemas
{
    public static JsonObject ObjectMeta() => new()
    {
        ["type"] = "object",
        ["description"] = "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
        ["properties"] = new JsonObject
        {
            ["annotations"] = StringMap("Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata."),
            ["creationTimestamp"] = DateTime("CreationTimestamp is a timestamp representing the server time when this object was created. Populated by the system. Read-only."),
            ["deletionGracePeriodSeconds"] = Int64("Number of seconds allowed for this object to gracefully terminate before it will be removed from the system."),
            ["deletionTimestamp"] = DateTime("DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted, set by the server when a graceful deletion is requested."),
            ["finalizers"] = new JsonObject
            {
                ["type"] = "array",
                ["description"] = "Must be empty before the object is deleted from the registry. Each entry is an identifier for the responsible component that will remove the entry from the list.",
                ["items"] = new JsonObject { ["type"] = "string", ["default"] = string.Empty },
                ["x-kubernetes-list-type"] = "set",
            },
            ["generateName"] = String("GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided."),
            ["generation"] = Int64("A sequence number representing a specific generation of the desired state. Populated by the system. Read-only."),
            ["labels"] = StringMap("Map of string keys and values that can be used to organize and categorize (scope and select) objects."),
            ["managedFields"] = OpenObjects("ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow (server-side apply); this server keeps none."),
            ["name"] = String("Name must be unique within a namespace. Cannot be updated."),
            ["namespace"] = String("Namespace defines the space within which each name must be unique. Cluster-scoped objects have none."),
            ["ownerReferences"] = OpenObjects("List of objects depended by this object; this server runs no garbage collector."),
            ["resourceVersion"] = String("An opaque value that represents the internal version of this object, used for optimistic concurrency, change detection, and the watch operation."),
            ["selfLink"] = String("Deprecated: selfLink is a legacy read-only field that is no longer populated by the system."),
            ["uid"] = String("UID is the unique in time and space value for this object. Populated by the system. Read-only."),
        },
    };

    public static JsonObject ListMeta() => new()
    {
        ["type"] = "object",
        ["description"] = "ListMeta describes metadata that synthetic resources must have, including lists.",
        ["properties"] = new JsonObject
        {
            ["continue"] = String("continue may be set if the user set a limit on the number of items returned."),
            ["remainingItemCount"] = Int64("remainingItemCount is the number of subsequent items in the list which are not included in this list response."),
            ["resourceVersion"] = String("String that identifies the server's internal version of this object that can be used by clients to determine when objects have changed."),
        },
    };

    public static JsonObject Status() => new()
    {
        ["type"] = "object",
        ["description"] = "Status is a return value for calls that don't return other objects.",
        ["properties"] = new JsonObject
        {
            ["apiVersion"] = String("APIVersion defines the versioned schema of this representation of an object."),
            ["code"] = new JsonObject { ["type"] = "integer", ["format"] = "int32", ["description"] = "Suggested HTTP return code for this status, 0 if not set." },
            ["details"] = new JsonObject { ["type"] = "object", ["description"] = "Extended data associated with the reason.", ["x-kubernetes-preserve-unknown-fields"] = true },
            ["kind"] = String("Kind is a string value representing the REST resource this object represents."),
            ["message"] = String("A human-readable description of the status of this operation."),
            ["reason"] = String("A machine-readable description of why this operation is in the \"Failure\" status."),
            ["status"] = String("Status of the operation. One of: \"Success\" or \"Failure\"."),
        },
        ["x-kubernetes-group-version-kind"] = new JsonArray(new JsonObject { ["group"] = string.Empty, ["kind"] = "Status", ["version"] = "v1" }),
    };

    /// <summary>A list of objects whose fields this server does not model (what an exported manifest may carry).</summary>
    private static JsonObject OpenObjects(string description) => new()
    {
        ["type"] = "array",
        ["description"] = description,
        ["items"] = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true },
    };

    private static JsonObject String(string description) => new() { ["type"] = "string", ["description"] = description };

    private static JsonObject Int64(string description) => new() { ["type"] = "integer", ["format"] = "int64", ["description"] = description };

    private static JsonObject DateTime(string description) => new() { ["type"] = "string", ["format"] = "date-time", ["description"] = description };

    private static JsonObject StringMap(string description) => new()
    {
        ["type"] = "object",
        ["description"] = description,
        ["additionalProperties"] = new JsonObject { ["type"] = "string", ["default"] = string.Empty },
    };
}
