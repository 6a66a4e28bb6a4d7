using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace NumaOperator.ApiServer.Schema;

/// <summary>
/// The OpenAPI v3 documents a Kubernetes API server publishes for CRDs, built from the CRDs themselves:
/// <c>/openapi/v3</c> (the index kubectl reads first) and <c>/openapi/v3/apis/{group}/{version}</c> (schemas named
/// io.numaoperator.v1alpha1.Kind with x-kubernetes-group-version-kind, metadata as an allOf $ref to ObjectMeta, and
/// paths whose PATCH operations list the fieldValidation parameter). kubectl 1.32 uses them for <c>kubectl explain</c>
/// (finds the schema by group-version-kind) and to learn that the server validates fields itself (it then sends
/// fieldValidation=Strict instead of validating on the client).
/// </summary>
public sealed class OpenApiV3Documents
{
    public const string ObjectMetaName = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
    public const string ListMetaName = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta";
    public const string StatusName = "io.k8s.apimachinery.pkg.apis.meta.v1.Status";

    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    private OpenApiV3Documents(IReadOnlyDictionary<string, string> documents)
    {
        Documents = documents;
        var paths = new JsonObject();
        foreach (var (path, json) in documents)
        {
            paths[path] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{path}?hash={Hash(json)}" };
        }

        IndexJson = new JsonObject { ["paths"] = paths }.ToJsonString(Compact);
    }

    /// <summary>Each group-version document as JSON text, keyed by its path under /openapi/v3 (e.g. "apis/numaoperator.io/v1alpha1").</summary>
    public IReadOnlyDictionary<string, string> Documents { get; }

    /// <summary>The /openapi/v3 index: {"paths":{"apis/g/v":{"serverRelativeURL":"/openapi/v3/apis/g/v?hash=..."}}}.</summary>
    public string IndexJson { get; }

    public static OpenApiV3Documents FromCrds(IEnumerable<V1CustomResourceDefinition> crds)
    {
        ArgumentNullException.ThrowIfNull(crds);
        var byGroupVersion = crds
            .SelectMany(crd => crd.Spec.Versions.Where(v => v.Served).Select(v => (Crd: crd, Version: v)))
            .GroupBy(x => $"apis/{x.Crd.Spec.Group}/{x.Version.Name}", StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        var documents = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var group in byGroupVersion)
        {
            documents[group.Key] = GroupVersionDocument(group.Select(x => (x.Crd, x.Version))).ToJsonString(Compact);
        }

        return new OpenApiV3Documents(documents);
    }

    /// <summary>The document for one group/version: paths and component schemas of every CRD version served in it.</summary>
    public static JsonObject GroupVersionDocument(IEnumerable<(V1CustomResourceDefinition Crd, V1CustomResourceDefinitionVersion Version)> served)
    {
        ArgumentNullException.ThrowIfNull(served);
        var paths = new JsonObject();
        var schemas = new JsonObject();
        foreach (var (crd, version) in served.OrderBy(s => s.Crd.Spec.Names.Kind, StringComparer.Ordinal))
        {
            var spec = crd.Spec;
            var kindName = SchemaName(spec.Group, version.Name, spec.Names.Kind);
            var listName = SchemaName(spec.Group, version.Name, spec.Names.ListKind ?? spec.Names.Kind + "List");
            schemas[kindName] = KindSchema(spec.Group, version, spec.Names.Kind);
            schemas[listName] = ListSchema(spec.Group, version.Name, spec.Names.ListKind ?? spec.Names.Kind + "List", kindName);
            AddPaths(paths, crd, version, kindName, listName);
        }

        schemas[ObjectMetaName] = MetaSchemas.ObjectMeta();
        schemas[ListMetaName] = MetaSchemas.ListMeta();
        schemas[StatusName] = MetaSchemas.Status();
        var sortedSchemas = new JsonObject();
        foreach (var (name, schema) in schemas.OrderBy(s => s.Key, StringComparer.Ordinal).ToList())
        {
            schemas.Remove(name);
            sortedSchemas[name] = schema;
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes CRD Swagger", ["version"] = "v0.1.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = sortedSchemas },
        };
    }

    /// <summary>Kubernetes' component name for a custom kind: the group reversed, then version and kind (io.numaoperator.v1alpha1.NumaVirtualMachine).</summary>
    public static string SchemaName(string group, string version, string kind) =>
        string.Join('.', group.Split('.').Reverse()) + "." + version + "." + kind;

    private static JsonObject KindSchema(string group, V1CustomResourceDefinitionVersion version, string kind)
    {
        var schema = version.Schema?.OpenAPIV3Schema is { } s
            ? JsonNode.Parse(KubernetesJson.Serialize(s))!.AsObject()
            : new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
        var properties = schema["properties"] as JsonObject ?? [];
        schema["properties"] = properties;
        properties["apiVersion"] = Described("string", "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.");
        properties["kind"] = Described("string", "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. In CamelCase.");
        properties["metadata"] = new JsonObject
        {
            ["allOf"] = new JsonArray(Ref(ObjectMetaName)),
            ["description"] = "Standard object's metadata.",
        };
        schema["x-kubernetes-group-version-kind"] = new JsonArray(Gvk(group, version.Name, kind));
        return schema;
    }

    private static JsonObject ListSchema(string group, string version, string listKind, string kindName) => new()
    {
        ["type"] = "object",
        ["description"] = $"{listKind} is a list of {kindName.Split('.')[^1]}.",
        ["required"] = new JsonArray("items"),
        ["properties"] = new JsonObject
        {
            ["apiVersion"] = Described("string", "APIVersion defines the versioned schema of this representation of an object."),
            ["items"] = new JsonObject
            {
                ["type"] = "array",
                ["description"] = "List of " + kindName.Split('.')[^1] + ".",
                ["items"] = Ref(kindName),
            },
            ["kind"] = Described("string", "Kind is a string value representing the REST resource this object represents."),
            ["metadata"] = new JsonObject
            {
                ["allOf"] = new JsonArray(Ref(ListMetaName)),
                ["description"] = "Standard list metadata.",
            },
        },
        ["x-kubernetes-group-version-kind"] = new JsonArray(Gvk(group, version, listKind)),
    };

    private static void AddPaths(JsonObject paths, V1CustomResourceDefinition crd, V1CustomResourceDefinitionVersion version, string kindName, string listName)
    {
        var spec = crd.Spec;
        var kind = spec.Names.Kind;
        var namespaced = string.Equals(spec.Scope, "Namespaced", StringComparison.Ordinal);
        var gvk = Gvk(spec.Group, version.Name, kind);
        var root = $"/apis/{spec.Group}/{version.Name}";
        var collection = root + (namespaced ? "/namespaces/{namespace}/" : "/") + spec.Names.Plural;
        var scope = namespaced ? "Namespaced" : string.Empty;
        var idPart = OperationIdPart(spec.Group, version.Name);

        paths[collection] = new JsonObject
        {
            ["get"] = Operation($"list{idPart}{scope}{kind}", "list", gvk, listName, ["labelSelector", "fieldSelector", "limit", "continue", "resourceVersion", "watch", "allowWatchBookmarks", "timeoutSeconds"], body: false),
            ["post"] = Operation($"create{idPart}{scope}{kind}", "post", gvk, kindName, ["dryRun", "fieldManager", "fieldValidation"], body: true),
            ["delete"] = Operation($"delete{idPart}Collection{scope}{kind}", "deletecollection", gvk, StatusName, ["labelSelector", "fieldSelector", "dryRun"], body: false),
            ["parameters"] = PathParameters(namespaced, withName: false),
        };
        paths[collection + "/{name}"] = new JsonObject
        {
            ["get"] = Operation($"read{idPart}{scope}{kind}", "get", gvk, kindName, ["resourceVersion"], body: false),
            ["put"] = Operation($"replace{idPart}{scope}{kind}", "put", gvk, kindName, ["dryRun", "fieldManager", "fieldValidation"], body: true),
            ["patch"] = Operation($"patch{idPart}{scope}{kind}", "patch", gvk, kindName, ["dryRun", "fieldManager", "fieldValidation", "force"], body: true),
            ["delete"] = Operation($"delete{idPart}{scope}{kind}", "delete", gvk, StatusName, ["dryRun", "gracePeriodSeconds", "propagationPolicy"], body: false),
            ["parameters"] = PathParameters(namespaced, withName: true),
        };
        if (version.Subresources?.Status is not null)
        {
            paths[collection + "/{name}/status"] = new JsonObject
            {
                ["get"] = Operation($"read{idPart}{scope}{kind}Status", "get", gvk, kindName, ["resourceVersion"], body: false),
                ["put"] = Operation($"replace{idPart}{scope}{kind}Status", "put", gvk, kindName, ["dryRun", "fieldManager", "fieldValidation"], body: true),
                ["patch"] = Operation($"patch{idPart}{scope}{kind}Status", "patch", gvk, kindName, ["dryRun", "fieldManager", "fieldValidation", "force"], body: true),
                ["parameters"] = PathParameters(namespaced, withName: true),
            };
        }

        if (namespaced)
        {
            paths[$"{root}/{spec.Names.Plural}"] = new JsonObject
            {
                ["get"] = Operation($"list{idPart}{kind}ForAllNamespaces", "list", gvk, listName, ["labelSelector", "fieldSelector", "limit", "continue", "resourceVersion", "watch", "allowWatchBookmarks", "timeoutSeconds"], body: false),
            };
        }
    }

    private static JsonObject Operation(string operationId, string action, JsonObject gvk, string responseSchema, IEnumerable<string> queryParameters, bool body)
    {
        var content = new JsonObject
        {
            ["application/json"] = new JsonObject { ["schema"] = Ref(responseSchema) },
            ["application/yaml"] = new JsonObject { ["schema"] = Ref(responseSchema) },
        };
        var operation = new JsonObject
        {
            ["operationId"] = operationId,
            ["parameters"] = new JsonArray([.. queryParameters.Select(QueryParameter)]),
            ["responses"] = new JsonObject
            {
                ["200"] = new JsonObject { ["description"] = "OK", ["content"] = content },
                ["401"] = new JsonObject { ["description"] = "Unauthorized" },
            },
            ["x-kubernetes-action"] = action,
            ["x-kubernetes-group-version-kind"] = gvk.DeepClone(),
        };
        if (body)
        {
            var types = action == "patch"
                ? new[] { "application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml" }
                : ["application/json", "application/yaml"];
            var bodyContent = new JsonObject();
            foreach (var type in types)
            {
                bodyContent[type] = new JsonObject { ["schema"] = action == "patch" ? new JsonObject { ["type"] = "object" } : Ref(responseSchema) };
            }

            operation["requestBody"] = new JsonObject { ["content"] = bodyContent, ["required"] = true };
        }

        return operation;
    }

    private static JsonObject QueryParameter(string name) => new()
    {
        ["name"] = name,
        ["in"] = "query",
        ["schema"] = new JsonObject
        {
            ["type"] = name is "watch" or "allowWatchBookmarks" or "force" ? "boolean" : name is "limit" or "timeoutSeconds" or "gracePeriodSeconds" ? "integer" : "string",
            ["uniqueItems"] = true,
        },
    };

    private static JsonArray PathParameters(bool namespaced, bool withName)
    {
        var parameters = new JsonArray();
        if (withName)
        {
            parameters.Add((JsonNode)new JsonObject { ["name"] = "name", ["in"] = "path", ["required"] = true, ["description"] = "name of the object", ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true } });
        }

        if (namespaced)
        {
            parameters.Add((JsonNode)new JsonObject { ["name"] = "namespace", ["in"] = "path", ["required"] = true, ["description"] = "object name and auth scope, such as for teams and projects", ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true } });
        }

        return parameters;
    }

    /// <summary>"NumaoperatorIoV1alpha1", as in Kubernetes operation ids (listNumaoperatorIoV1alpha1NamespacedNumaVirtualMachine).</summary>
    private static string OperationIdPart(string group, string version) =>
        string.Concat(group.Split('.').Select(Capitalize)) + Capitalize(version);

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    private static JsonObject Gvk(string group, string version, string kind) =>
        new() { ["group"] = group, ["kind"] = kind, ["version"] = version };

    private static JsonObject Ref(string schemaName) => new() { ["$ref"] = "#/components/schemas/" + schemaName };

    private static JsonObject Described(string type, string description) => new() { ["type"] = type, ["description"] = description };

    private static string Hash(string json) => Convert.ToHexString(SHA512.HashData(Encoding.UTF8.GetBytes(json)))[..128];
}
