using System.Text.Json;
using System.Text.Json.Nodes;
using NumaOperator.Api.Validation;
using NumaOperator.ApiServer.Admission;
using NumaOperator.ApiServer.Json;
using NumaOperator.ApiServer.Resources;
using NumaOperator.ApiServer.Storage;

namespace NumaOperator.ApiServer.Http;

/// <summary>The fieldValidation query parameter: what unknown and duplicate fields in a body do.</summary>
public enum FieldValidation
{
    /// <summary>Unknown fields are pruned, duplicates keep the last value, silently.</summary>
    Ignore,

    /// <summary>As Ignore, but each duplicate field is named in a Warning header. The real server's default.</summary>
    Warn,

    /// <summary>Unknown and duplicate fields are a 400 BadRequest and nothing is written.</summary>
    Strict,
}

/// <summary>Query options of a write: dryRun=All, and fieldValidation (absent means Warn, as in the real server).</summary>
public sealed record WriteOptions(bool DryRun = false, FieldValidation Validation = FieldValidation.Warn)
{
    /// <summary>fieldValidation=Strict: unknown fields are an error, not pruned.</summary>
    public bool StrictFields => Validation == FieldValidation.Strict;
}

/// <summary>The kind of body a PATCH carries, from its Content-Type.</summary>
public enum PatchKind
{
    Merge,
    Json,
    StrategicMerge,
}

/// <summary>
/// The write semantics of the real API server, independent of HTTP: create, update, patch and delete with
/// resourceVersion preconditions, generation, the status subresource, finalizers with deletionTimestamp, admission
/// and dry-run. Each operation runs atomically against the store.
/// </summary>
public sealed class ResourceOperations(ObjectStore store, IObjectAdmission admission, TimeProvider clock)
{
    public JsonObject Create(ResourceKind kind, string ns, JsonObject body, WriteOptions options)
    {
        CheckTypeMeta(kind, body);
        var metadata = ObjectMetadata.Of(body);
        var name = ObjectMetadata.String(body, "name");
        if (string.IsNullOrEmpty(name) && ObjectMetadata.String(body, "generateName") is { Length: > 0 } prefix)
        {
            name = prefix + Guid.NewGuid().ToString("N")[..5];
            metadata["name"] = name;
        }

        if (string.IsNullOrEmpty(name))
        {
            throw ApiStatusException.Invalid(kind, string.Empty, [FieldError.Required("metadata.name", "name or generateName is required")]);
        }

        CheckName(kind, name);
        if (kind.Namespaced)
        {
            if (ObjectMetadata.String(body, "namespace") is { Length: > 0 } given && given != ns)
            {
                throw ApiStatusException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            metadata["namespace"] = ns;
        }
        else
        {
            metadata.Remove("namespace");
        }

        foreach (var field in new[] { "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink" })
        {
            metadata.Remove(field);
        }

        metadata["uid"] = Guid.NewGuid().ToString();
        metadata["creationTimestamp"] = ObjectMetadata.Timestamp(clock.GetUtcNow());
        if (kind.IsCustomResource)
        {
            metadata["generation"] = 1;
            if (kind.HasStatusSubresource)
            {
                body.Remove("status");
            }
        }

        if (kind == BuiltinResources.Namespaces)
        {
            body["status"] = new JsonObject { ["phase"] = "Active" };
        }

        Admit(kind, name, body, null, options);
        return store.Atomically(() =>
        {
            if (kind.Namespaced && store.Get(BuiltinResources.Namespaces.StorageKey, string.Empty, ns) is null)
            {
                throw ApiStatusException.NotFound(BuiltinResources.Namespaces, ns);
            }

            if (store.Get(kind.StorageKey, ns, name) is not null)
            {
                throw ApiStatusException.AlreadyExists(kind, name);
            }

            return options.DryRun ? body : Parse(store.Put(kind.StorageKey, ns, name, body, ChangeType.Added));
        });
    }

    public JsonObject Update(ResourceKind kind, string ns, string name, JsonObject body, bool statusOnly, WriteOptions options)
    {
        CheckTypeMeta(kind, body);
        if (ObjectMetadata.String(body, "name") is { } bodyName && bodyName != name)
        {
            throw ApiStatusException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }

        return store.Atomically(() =>
        {
            var current = Current(kind, ns, name);
            var expected = ObjectMetadata.String(body, "resourceVersion");
            if (string.IsNullOrEmpty(expected))
            {
                if (kind.IsCustomResource)
                {
                    throw ApiStatusException.Invalid(kind, name, [FieldError.Invalid("metadata.resourceVersion", "0x0", "must be specified for an update")]);
                }
            }
            else if (expected != ObjectMetadata.String(current, "resourceVersion"))
            {
                throw ApiStatusException.Conflict(kind, name);
            }

            return Replace(kind, ns, name, current, body, statusOnly, options);
        });
    }

    /// <param name="maxCopyBytes">What the "copy" operations of a JSON patch may add in all (kube-apiserver's JSONPatchMaxCopyBytes).</param>
    public JsonObject Patch(ResourceKind kind, string ns, string name, PatchKind patchKind, JsonNode? patch, bool statusOnly, WriteOptions options, long maxCopyBytes = RequestLimits.DefaultMaxRequestBodyBytes)
    {
        if (patchKind == PatchKind.StrategicMerge && kind.IsCustomResource)
        {
            throw ApiStatusException.UnsupportedMediaType("application/strategic-merge-patch+json", PatchContentTypes(kind));
        }

        return store.Atomically(() =>
        {
            var current = Current(kind, ns, name);
            JsonNode? patched;
            try
            {
                patched = patchKind == PatchKind.Json
                    ? JsonPatch.Apply(current.DeepClone(), patch as JsonArray ?? throw ApiStatusException.BadRequest("a JSON patch must be an array of operations"), maxCopyBytes)
                    : MergePatch.Apply(current.DeepClone(), patch);
            }
            catch (FormatException e)
            {
                throw ApiStatusException.Invalid(kind, name, [FieldError.Invalid("patch", null, e.Message)]);
            }

            if (patched is not JsonObject candidate)
            {
                throw ApiStatusException.BadRequest("the patch must leave a JSON object");
            }

            var currentVersion = ObjectMetadata.String(current, "resourceVersion");
            var requested = ObjectMetadata.String(candidate, "resourceVersion");
            if (!string.IsNullOrEmpty(requested) && requested != currentVersion)
            {
                throw ApiStatusException.Conflict(kind, name);
            }

            CheckTypeMeta(kind, candidate);
            return Replace(kind, ns, name, current, candidate, statusOnly, options);
        });
    }

    /// <summary>Deletes, or with finalizers only marks the object deleted (deletionTimestamp) until the last one is removed.</summary>
    public JsonObject Delete(ResourceKind kind, string ns, string name, string? preconditionVersion, string? preconditionUid, WriteOptions options)
    {
        return store.Atomically(() =>
        {
            var current = Current(kind, ns, name);
            if (preconditionUid is { Length: > 0 } uid && uid != ObjectMetadata.String(current, "uid"))
            {
                throw ApiStatusException.Conflict(kind, name, $"the UID in the precondition ({uid}) does not match the UID in record ({ObjectMetadata.String(current, "uid")}). The object might have been deleted and then recreated");
            }

            if (preconditionVersion is { Length: > 0 } rv && rv != ObjectMetadata.String(current, "resourceVersion"))
            {
                throw ApiStatusException.Conflict(kind, name, $"the ResourceVersion in the precondition ({rv}) does not match the ResourceVersion in record ({ObjectMetadata.String(current, "resourceVersion")}). The object might have been modified");
            }

            if (ObjectMetadata.Finalizers(current).Count > 0)
            {
                if (ObjectMetadata.String(current, "deletionTimestamp") is not null)
                {
                    return current;
                }

                var metadata = ObjectMetadata.Of(current);
                metadata["deletionTimestamp"] = ObjectMetadata.Timestamp(clock.GetUtcNow());
                metadata["deletionGracePeriodSeconds"] = 0;
                if (ObjectMetadata.Generation(current) > 0)
                {
                    metadata["generation"] = ObjectMetadata.Generation(current) + 1;
                }

                return options.DryRun ? current : Parse(store.Put(kind.StorageKey, ns, name, current, ChangeType.Modified));
            }

            if (options.DryRun)
            {
                return current;
            }

            if (kind == BuiltinResources.Namespaces)
            {
                DeleteNamespaceContents(name);
            }

            return Parse(store.Remove(kind.StorageKey, ns, name, current));
        });
    }

    public static IReadOnlyList<string> PatchContentTypes(ResourceKind kind) => kind.IsCustomResource
        ? ["application/json-patch+json", "application/merge-patch+json"]
        : ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"];

    private JsonObject Replace(ResourceKind kind, string ns, string name, JsonObject current, JsonObject candidate, bool statusOnly, WriteOptions options)
    {
        if (statusOnly)
        {
            // The /status subresource takes status from the request and everything else from the stored object.
            var status = candidate["status"];
            candidate = (JsonObject)current.DeepClone();
            candidate.Remove("status");
            if (status is not null)
            {
                candidate["status"] = status.DeepClone();
            }
        }
        else if (kind.HasStatusSubresource)
        {
            candidate.Remove("status");
            if (current["status"] is { } status)
            {
                candidate["status"] = status.DeepClone();
            }
        }

        ObjectMetadata.KeepServerFields(candidate, current);
        var metadata = ObjectMetadata.Of(candidate);
        metadata["resourceVersion"] = ObjectMetadata.String(current, "resourceVersion");
        foreach (var field in new[] { "managedFields", "selfLink" })
        {
            metadata.Remove(field);
        }

        if (ObjectMetadata.String(current, "deletionTimestamp") is not null)
        {
            var added = ObjectMetadata.Finalizers(candidate).Except(ObjectMetadata.Finalizers(current)).ToList();
            if (added.Count > 0)
            {
                throw ApiStatusException.Invalid(kind, name, [new FieldError("metadata.finalizers", FieldErrorType.Forbidden, null, $"no new finalizers can be added if the object is being deleted, found new finalizers []string{{\"{string.Join("\", \"", added)}\"}}")]);
            }
        }

        Admit(kind, name, candidate, current, options);
        if (kind.IsCustomResource && !statusOnly && SpecChanged(kind, current, candidate))
        {
            metadata["generation"] = ObjectMetadata.Generation(current) + 1;
        }

        if (JsonNode.DeepEquals(candidate, current))
        {
            return current;
        }

        if (ObjectMetadata.String(candidate, "deletionTimestamp") is not null && ObjectMetadata.Finalizers(candidate).Count == 0)
        {
            return options.DryRun ? candidate : Parse(store.Remove(kind.StorageKey, ns, name, candidate));
        }

        return options.DryRun ? candidate : Parse(store.Put(kind.StorageKey, ns, name, candidate, ChangeType.Modified));
    }

    /// <summary>With a status subresource only spec counts; without one every change outside metadata does.</summary>
    private static bool SpecChanged(ResourceKind kind, JsonObject current, JsonObject candidate)
    {
        if (kind.HasStatusSubresource)
        {
            return !JsonNode.DeepEquals(current["spec"], candidate["spec"]);
        }

        var before = current.Where(p => p.Key != "metadata").ToDictionary(p => p.Key, p => p.Value);
        var after = candidate.Where(p => p.Key != "metadata").ToDictionary(p => p.Key, p => p.Value);
        return before.Count != after.Count || before.Any(p => !after.TryGetValue(p.Key, out var v) || !JsonNode.DeepEquals(p.Value, v));
    }

    private void Admit(ResourceKind kind, string name, JsonObject candidate, JsonObject? current, WriteOptions options)
    {
        var unknownFields = new List<string>();
        var errors = admission.Admit(kind, candidate, current, unknownFields);
        if (options.StrictFields && unknownFields.Count > 0)
        {
            throw ApiStatusException.BadRequest($"{kind.Kind} in version \"{kind.Version}\" cannot be handled as a {kind.Kind}: strict decoding error: "
                + string.Join(", ", unknownFields.Select(f => $"unknown field \"{f}\"")));
        }

        if (errors.Count > 0)
        {
            throw ApiStatusException.Invalid(kind, name, errors);
        }
    }

    private JsonObject Current(ResourceKind kind, string ns, string name) =>
        store.Get(kind.StorageKey, ns, name) is { } stored ? Parse(stored) : throw ApiStatusException.NotFound(kind, name);

    private void DeleteNamespaceContents(string ns)
    {
        foreach (var resource in store.Resources())
        {
            foreach (var obj in store.List(resource, ns).Items)
            {
                store.Remove(resource, ns, obj.Name, Parse(obj));
            }
        }
    }

    private static void CheckTypeMeta(ResourceKind kind, JsonObject body)
    {
        var apiVersion = body["apiVersion"]?.ToString();
        var kindName = body["kind"]?.ToString();
        if (!string.IsNullOrEmpty(apiVersion) && apiVersion != kind.ApiVersion)
        {
            throw ApiStatusException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({kind.ApiVersion})");
        }

        if (!string.IsNullOrEmpty(kindName) && kindName != kind.Kind)
        {
            throw ApiStatusException.BadRequest($"the kind in the data ({kindName}) does not match the expected kind ({kind.Kind})");
        }

        body["apiVersion"] = kind.ApiVersion;
        body["kind"] = kind.Kind;
    }

    private static void CheckName(ResourceKind kind, string name)
    {
        var valid = kind == BuiltinResources.Namespaces ? ObjectMetadata.IsDnsLabel(name) : ObjectMetadata.IsDnsSubdomain(name);
        if (!valid)
        {
            var rule = kind == BuiltinResources.Namespaces
                ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
                : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
            throw ApiStatusException.Invalid(kind, name, [FieldError.Invalid("metadata.name", name, rule)]);
        }
    }

    internal static JsonObject Parse(StoredObject stored) => JsonNode.Parse(stored.Json)!.AsObject();
}
