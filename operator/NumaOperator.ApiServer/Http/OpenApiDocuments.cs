using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;
using NumaOperator.ApiServer.Schema;
using NumaOperator.ApiServer.Resources;

namespace NumaOperator.ApiServer.Http;

/// <summary>
/// OpenAPI v3 documents, one per group/version (custom resources from their CRDs, built-ins with open schemas). kubectl reads them for
/// <c>kubectl explain</c> and to see that PATCH takes <c>fieldValidation</c>, after which it leaves validation to
/// the server. The OpenAPI v2 document (<see cref="OpenApiV2Document"/>, built from the same schemas) is what kubectl
/// validates a <c>kind: List</c> manifest's items against, since it never leaves a List to the server.
/// </summary>
public sealed class OpenApiDocuments
{
    private const string ObjectMetaRef = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
    private readonly Dictionary<string, (byte[] Json, string Hash)> documents = new(StringComparer.Ordinal);
    private readonly Lazy<(byte[] Protobuf, byte[] Json)> v2;

    public OpenApiDocuments(ResourceRegistry registry, IEnumerable<V1CustomResourceDefinition> crds)
    {
        foreach (var group in registry.All.Where(k => !k.IsCustomResource).GroupBy(k => (k.Group, k.Version)))
        {
            var path = group.Key.Group.Length == 0 ? "api/" + group.Key.Version : $"apis/{group.Key.Group}/{group.Key.Version}";
            Add(path, Build(group.ToList()).ToJsonString(Json.JsonOutput.Options));
        }

        // Custom resources: the documents of the generated CRDs, as a real server derives them from the CRDs.
        foreach (var (path, json) in OpenApiV3Documents.FromCrds(crds).Documents)
        {
            Add(path, json);
        }

        v2 = new(() =>
        {
            // Custom resources first: their ObjectMeta is the complete one.
            var v3 = documents.OrderBy(d => d.Key.StartsWith("apis/", StringComparison.Ordinal) ? 0 : 1).ThenBy(d => d.Key, StringComparer.Ordinal)
                .Select(d => JsonNode.Parse(d.Value.Json)!.AsObject());
            var document = OpenApiV2Document.Build(v3, DiscoveryDocuments.KubernetesVersion);
            return (OpenApiV2Document.ToProtobuf(document), Encoding.UTF8.GetBytes(document.ToJsonString(Json.JsonOutput.Options)));
        });
    }

    /// <summary>/openapi/v2 as gnostic protobuf (what kubectl asks for).</summary>
    public byte[] V2Protobuf => v2.Value.Protobuf;

    /// <summary>/openapi/v2 as JSON.</summary>
    public byte[] V2Json => v2.Value.Json;

    /// <summary>The /openapi/v3 index: where each group/version's document is.</summary>
    public JsonObject Index()
    {
        var paths = new JsonObject();
        foreach (var (path, doc) in documents)
        {
            paths[path] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{path}?hash={doc.Hash}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>The document at /openapi/v3/{path}, e.g. "apis/numaoperator.io/v1alpha1".</summary>
    public byte[]? Document(string path) => documents.TryGetValue(path, out var doc) ? doc.Json : null;

    private void Add(string path, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        documents[path] = (bytes, Convert.ToHexString(SHA256.HashData(bytes))[..32]);
    }

    private static JsonObject Build(IReadOnlyList<ResourceKind> kinds)
    {
        var paths = new JsonObject();
        var schemas = new JsonObject { [ObjectMetaRef] = ObjectMeta() };
        foreach (var kind in kinds)
        {
            var schemaName = SchemaName(kind);
            schemas[schemaName] = Schema(kind);
            var prefix = (kind.Group.Length == 0 ? "/api/" : $"/apis/{kind.Group}/") + kind.Version + (kind.Namespaced ? "/namespaces/{namespace}/" : "/") + kind.Plural;
            var gvk = new JsonObject { ["group"] = kind.Group, ["version"] = kind.Version, ["kind"] = kind.Kind };
            var item = new JsonObject
            {
                ["get"] = Operation("read" + kind.Kind, "get", gvk, schemaName, []),
            };
            if (!kind.ReadOnly)
            {
                item["put"] = Operation("replace" + kind.Kind, "put", gvk, schemaName, ["dryRun", "fieldManager", "fieldValidation"]);
                item["patch"] = Operation("patch" + kind.Kind, "patch", gvk, schemaName, ["dryRun", "fieldManager", "fieldValidation", "force"]);
                item["delete"] = Operation("delete" + kind.Kind, "delete", gvk, schemaName, ["dryRun"]);
            }

            item["parameters"] = PathParameters(kind.Namespaced, withName: true);
            paths[prefix + "/{name}"] = item;
            var collection = new JsonObject { ["get"] = Operation("list" + kind.Kind, "list", gvk, schemaName, ["labelSelector", "fieldSelector", "resourceVersion", "watch"]) };
            if (!kind.ReadOnly)
            {
                collection["post"] = Operation("create" + kind.Kind, "post", gvk, schemaName, ["dryRun", "fieldManager", "fieldValidation"]);
            }

            collection["parameters"] = PathParameters(kind.Namespaced, withName: false);
            paths[prefix] = collection;
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = DiscoveryDocuments.KubernetesVersion },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    private static string SchemaName(ResourceKind kind) =>
        $"io.k8s.api.{(kind.Group.Length == 0 ? "core" : kind.Group.Split('.')[0])}.{kind.Version}.{kind.Kind}";

    private static JsonObject Schema(ResourceKind kind)
    {
        var schema = kind.Schema?.DeepClone().AsObject() ?? new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
        if (schema["properties"] is not JsonObject properties)
        {
            schema["properties"] = properties = [];
        }

        properties["apiVersion"] = new JsonObject
        {
            ["type"] = "string",
            ["description"] = "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.",
        };
        properties["kind"] = new JsonObject
        {
            ["type"] = "string",
            ["description"] = "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. In CamelCase.",
        };
        properties["metadata"] = new JsonObject
        {
            ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = "#/components/schemas/" + ObjectMetaRef }),
            ["description"] = "Standard object's metadata.",
        };
        schema["x-kubernetes-group-version-kind"] = new JsonArray(new JsonObject { ["group"] = kind.Group, ["kind"] = kind.Kind, ["version"] = kind.Version });
        return schema;
    }

    private static JsonObject Operation(string operationId, string action, JsonObject gvk, string schemaName, IEnumerable<string> queryParameters)
    {
        var reference = new JsonObject { ["$ref"] = "#/components/schemas/" + schemaName };
        var operation = new JsonObject
        {
            ["operationId"] = operationId,
            ["parameters"] = new JsonArray(queryParameters.Select(p => (JsonNode)new JsonObject
            {
                ["name"] = p,
                ["in"] = "query",
                ["schema"] = new JsonObject { ["type"] = p is "force" or "watch" ? "boolean" : "string", ["uniqueItems"] = true },
            }).ToArray()),
            ["responses"] = new JsonObject
            {
                ["200"] = new JsonObject
                {
                    ["description"] = "OK",
                    ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = reference.DeepClone() } },
                },
            },
            ["x-kubernetes-action"] = action,
            ["x-kubernetes-group-version-kind"] = gvk.DeepClone(),
        };
        if (action is "put" or "post" or "patch")
        {
            var types = action == "patch" ? new[] { "application/json-patch+json", "application/merge-patch+json" } : ["application/json"];
            var content = new JsonObject();
            foreach (var type in types)
            {
                content[type] = new JsonObject { ["schema"] = action == "patch" ? new JsonObject { ["type"] = "object" } : reference.DeepClone() };
            }

            operation["requestBody"] = new JsonObject { ["content"] = content, ["required"] = true };
        }

        return operation;
    }

    private static JsonArray PathParameters(bool namespaced, bool withName)
    {
        var parameters = new JsonArray();
        if (withName)
        {
            parameters.Add((JsonNode)new JsonObject { ["name"] = "name", ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" } });
        }

        if (namespaced)
        {
            parameters.Add((JsonNode)new JsonObject { ["name"] = "namespace", ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" } });
        }

        return parameters;
    }

    private static JsonObject ObjectMeta()
    {
        static JsonObject Field(string type, string description) => new() { ["type"] = type, ["description"] = description };
        return new JsonObject
        {
            ["type"] = "object",
            ["description"] = "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
            ["properties"] = new JsonObject
            {
                ["name"] = Field("string", "Name must be unique within a namespace. Cannot be updated."),
                ["generateName"] = Field("string", "An optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided."),
                ["namespace"] = Field("string", "Namespace defines the space within which each name must be unique."),
                ["labels"] = new JsonObject { ["type"] = "object", ["additionalProperties"] = Field("string", string.Empty), ["description"] = "Map of string keys and values that can be used to organize and categorize (scope and select) objects." },
                ["annotations"] = new JsonObject { ["type"] = "object", ["additionalProperties"] = Field("string", string.Empty), ["description"] = "Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata." },
                ["finalizers"] = new JsonObject { ["type"] = "array", ["items"] = Field("string", string.Empty), ["description"] = "Must be empty before the object is deleted from the registry." },
                ["uid"] = Field("string", "UID is the unique in time and space value for this object. Populated by the system. Read-only."),
                ["resourceVersion"] = Field("string", "An opaque value that represents the internal version of this object, used for optimistic concurrency."),
                ["generation"] = new JsonObject { ["type"] = "integer", ["format"] = "int64", ["description"] = "A sequence number representing a specific generation of the desired state. Populated by the system. Read-only." },
                ["creationTimestamp"] = new JsonObject { ["type"] = "string", ["format"] = "date-time", ["description"] = "CreationTimestamp is a timestamp representing the server time when this object was created." },
                ["deletionTimestamp"] = new JsonObject { ["type"] = "string", ["format"] = "date-time", ["description"] = "DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted." },
                ["deletionGracePeriodSeconds"] = new JsonObject { ["type"] = "integer", ["format"] = "int64", ["description"] = "Number of seconds allowed for this object to gracefully terminate before it will be removed from the system." },
            },
        };
    }
}
