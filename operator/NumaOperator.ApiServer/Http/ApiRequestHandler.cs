using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using NumaOperator.ApiServer.Faults;
using NumaOperator.ApiServer.Json;
using NumaOperator.ApiServer.Resources;
using NumaOperator.ApiServer.Selection;
using NumaOperator.ApiServer.Storage;

namespace NumaOperator.ApiServer.Http;

/// <summary>
/// Routes every HTTP request: bearer-token check, fault injection, discovery, OpenAPI and the resource verbs.
/// Errors of any kind are answered with a metav1.Status.
/// </summary>
public sealed class ApiRequestHandler(
    ResourceRegistry registry,
    ObjectStore store,
    ResourceOperations operations,
    FaultInjector faults,
    TimeProvider clock,
    IEnumerable<V1CustomResourceDefinition> crds,
    string token,
    TimeSpan bookmarkInterval)
{
    private static readonly byte[] Newline = "\n"u8.ToArray();
    private readonly DiscoveryDocuments discovery = new(registry);
    private readonly OpenApiDocuments openApi = new(registry, crds);
    private readonly TableConverter tables = new(clock);
    private readonly byte[] expectedAuthorization = Encoding.UTF8.GetBytes("Bearer " + token);

    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            if (!Authorized(context.Request))
            {
                throw ApiStatusException.Unauthorized();
            }

            if (faults.Latency > TimeSpan.Zero)
            {
                await Task.Delay(faults.Latency, context.RequestAborted);
            }

            if (faults.ShouldFail())
            {
                throw ApiStatusException.Internal("injected fault");
            }

            await RouteAsync(context);
        }
        catch (ApiStatusException error)
        {
            await WriteStatusAsync(context, error);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await WriteStatusAsync(context, ApiStatusException.Internal(e.Message));
        }
    }

    private bool Authorized(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header), expectedAuthorization);
    }

    private async Task RouteAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var get = HttpMethods.IsGet(context.Request.Method);
        switch (segments)
        {
            case ["version"] when get:
                await WriteJsonAsync(context, 200, DiscoveryDocuments.Version());
                return;
            case ["healthz" or "livez" or "readyz", ..] when get:
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync("ok", context.RequestAborted);
                return;
            case ["api"] when get:
                await WriteJsonAsync(context, 200, DiscoveryDocuments.CoreVersions(context.Request.Host.Value ?? "127.0.0.1"));
                return;
            case ["apis"] when get:
                await WriteJsonAsync(context, 200, discovery.Groups());
                return;
            case ["apis", var group] when get:
                await WriteJsonAsync(context, 200, discovery.Group(group) ?? throw ApiStatusException.NotFoundPath());
                return;
            case ["api", var version] when get:
                await WriteJsonAsync(context, 200, discovery.Resources(string.Empty, version) ?? throw ApiStatusException.NotFoundPath());
                return;
            case ["apis", var group, var version] when get:
                await WriteJsonAsync(context, 200, discovery.Resources(group, version) ?? throw ApiStatusException.NotFoundPath());
                return;
            case ["openapi", "v2"] when get:
                // kubectl asks for protobuf (it validates kind: List items against this on the client).
                var protobuf = OpenApiV2Document.AcceptsProtobuf(context.Request.Headers.Accept.ToString());
                context.Response.ContentType = protobuf ? OpenApiV2Document.ProtobufMediaType : "application/json";
                await context.Response.Body.WriteAsync(protobuf ? openApi.V2Protobuf : openApi.V2Json, context.RequestAborted);
                return;
            case ["openapi", "v3"] when get:
                await WriteJsonAsync(context, 200, openApi.Index());
                return;
            case ["openapi", "v3", ..] when get:
                var document = openApi.Document(string.Join('/', segments[2..])) ?? throw ApiStatusException.NotFoundPath();
                context.Response.ContentType = "application/json";
                await context.Response.Body.WriteAsync(document, context.RequestAborted);
                return;
            case ["api", var version, ..]:
                await ServeResourceAsync(context, RequestTarget.Resolve(registry, string.Empty, version, segments.AsSpan(2)));
                return;
            case ["apis", var group, var version, ..]:
                await ServeResourceAsync(context, RequestTarget.Resolve(registry, group, version, segments.AsSpan(3)));
                return;
            default:
                throw ApiStatusException.NotFoundPath();
        }
    }

    private async Task ServeResourceAsync(HttpContext context, RequestTarget? target)
    {
        if (target is null || (target.Subresource is not null && (target.Subresource != "status" || !target.Kind.HasStatusSubresource)))
        {
            throw ApiStatusException.NotFoundPath();
        }

        var kind = target.Kind;
        var request = context.Request;
        var method = request.Method;
        var ns = kind.Namespaced ? target.Namespace : string.Empty;
        var isWrite = !HttpMethods.IsGet(method);
        if (isWrite && kind.ReadOnly)
        {
            throw ApiStatusException.MethodNotAllowed();
        }

        if (isWrite && faults.ShouldConflict())
        {
            throw ApiStatusException.Conflict(kind, target.Name ?? string.Empty);
        }

        var options = WriteOptionsOf(request.Query);
        if (target.Name is null)
        {
            if (HttpMethods.IsGet(method))
            {
                if (IsTrue(request.Query["watch"]))
                {
                    await WatchAsync(context, kind, target.Namespace);
                }
                else
                {
                    await ListAsync(context, kind, target.Namespace);
                }
            }
            else if (HttpMethods.IsPost(method) && ns is not null)
            {
                var created = operations.Create(kind, ns, await ReadCreateBodyAsync(kind, context, options), options);
                await WriteObjectAsync(context, options.DryRun ? 200 : 201, kind, created);
            }
            else if (HttpMethods.IsDelete(method) && ns is not null)
            {
                await DeleteCollectionAsync(context, kind, ns, options);
            }
            else
            {
                throw ApiStatusException.MethodNotAllowed();
            }

            return;
        }

        if (ns is null)
        {
            throw ApiStatusException.NotFoundPath();
        }

        var statusOnly = target.Subresource == "status";
        JsonObject result;
        var code = 200;
        if (HttpMethods.IsGet(method))
        {
            result = store.Get(kind.StorageKey, ns, target.Name) is { } stored ? ResourceOperations.Parse(stored) : throw ApiStatusException.NotFound(kind, target.Name);
        }
        else if (HttpMethods.IsPut(method))
        {
            var body = await ReadBodyAsync(request);
            var parsed = ResourceOperations.ParseBody(body);
            CheckDuplicateFields(context, body, options, ObjectDecodingError(kind), string.Empty);
            result = operations.Update(kind, ns, target.Name, parsed, statusOnly, options);
        }
        else if (HttpMethods.IsPatch(method))
        {
            var patchKind = PatchKindOf(kind, request.ContentType);
            JsonNode? patch;
            var body = await ReadBodyAsync(request);
            try
            {
                patch = LastKeyWins.Parse(body);
            }
            catch (JsonException e)
            {
                throw ApiStatusException.BadRequest($"error decoding patch: {e.Message}");
            }

            // The real server strict-decodes the patch itself (patch.go applyJSPatch: kjson.UnmarshalStrict of the
            // patch bytes under Strict and Warn), so duplicates are judged in the patch; the patched result is
            // re-encoded and cannot hold any. A strategic merge patch on a custom resource is a 415 first.
            if (!(patchKind == PatchKind.StrategicMerge && kind.IsCustomResource))
            {
                CheckDuplicateFields(context, body, options, "strict decoding error: ", patchKind == PatchKind.Json ? "json patch " : string.Empty);
            }

            result = operations.Patch(kind, ns, target.Name, patchKind, patch, statusOnly, options);
        }
        else if (HttpMethods.IsDelete(method) && !statusOnly)
        {
            var (rv, uid) = await DeletePreconditionsAsync(request);
            result = operations.Delete(kind, ns, target.Name, rv, uid, options);
        }
        else
        {
            throw ApiStatusException.MethodNotAllowed();
        }

        await WriteObjectAsync(context, code, kind, result);
    }

    private static PatchKind PatchKindOf(ResourceKind kind, string? contentType)
    {
        var mediaType = (contentType ?? string.Empty).Split(';')[0].Trim();
        return mediaType switch
        {
            "application/merge-patch+json" => PatchKind.Merge,
            "application/json-patch+json" => PatchKind.Json,
            "application/strategic-merge-patch+json" when !kind.IsCustomResource => PatchKind.StrategicMerge,
            _ => throw ApiStatusException.UnsupportedMediaType(mediaType, ResourceOperations.PatchContentTypes(kind)),
        };
    }

    private static WriteOptions WriteOptionsOf(IQueryCollection query)
    {
        var dryRun = query["dryRun"].ToString();
        if (dryRun.Length > 0 && dryRun != "All")
        {
            throw ApiStatusException.BadRequest($"dryRun: Unsupported value: \"{dryRun}\": supported values: \"All\"");
        }

        var validation = query["fieldValidation"].ToString();
        if (validation.Length > 0 && validation is not ("Strict" or "Warn" or "Ignore"))
        {
            throw ApiStatusException.BadRequest($"fieldValidation: Unsupported value: \"{validation}\": supported values: \"Ignore\", \"Strict\", \"Warn\"");
        }

        return new WriteOptions(dryRun == "All", validation switch
        {
            "Strict" => FieldValidation.Strict,
            "Ignore" => FieldValidation.Ignore,
            _ => FieldValidation.Warn,
        });
    }

    private async Task ListAsync(HttpContext context, ResourceKind kind, string? ns)
    {
        var filter = FilterOf(context.Request.Query);
        var (items, rv) = store.List(kind.StorageKey, ns, filter);
        var rvText = rv.ToString(CultureInfo.InvariantCulture);
        if (WantsTable(context.Request))
        {
            var table = tables.Convert(kind, items.Select(ResourceOperations.Parse), rvText, IncludeObject(context.Request));
            await WriteJsonAsync(context, 200, table);
            return;
        }

        await WriteListAsync(context, kind, items, rvText);
    }

    private async Task DeleteCollectionAsync(HttpContext context, ResourceKind kind, string ns, WriteOptions options)
    {
        var (items, _) = store.List(kind.StorageKey, ns.Length == 0 ? null : ns, FilterOf(context.Request.Query));
        var deleted = new List<StoredObject>();
        foreach (var item in items)
        {
            try
            {
                var last = operations.Delete(kind, item.Namespace, item.Name, null, null, options);
                deleted.Add(item with { Json = JsonOutput.Utf8(last) });
            }
            catch (ApiStatusException e) when (e.Code == 404)
            {
                // Deleted meanwhile by someone else.
            }
        }

        await WriteListAsync(context, kind, deleted, store.ResourceVersion.ToString(CultureInfo.InvariantCulture));
    }

    private static async Task WriteListAsync(HttpContext context, ResourceKind kind, IReadOnlyList<StoredObject> items, string rv)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        var body = context.Response.Body;
        var ct = context.RequestAborted;
        await body.WriteAsync(Encoding.UTF8.GetBytes($"{{\"apiVersion\":\"{kind.ApiVersion}\",\"kind\":\"{kind.ListKind}\",\"metadata\":{{\"resourceVersion\":\"{rv}\"}},\"items\":["), ct);
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                await body.WriteAsync(","u8.ToArray(), ct);
            }

            await body.WriteAsync(items[i].Json, ct);
        }

        await body.WriteAsync("]}"u8.ToArray(), ct);
    }

    private async Task WatchAsync(HttpContext context, ResourceKind kind, string? ns)
    {
        var query = context.Request.Query;
        var rvText = query["resourceVersion"].ToString();
        long? since = null;
        if (rvText is not ("" or "0"))
        {
            since = long.TryParse(rvText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw ApiStatusException.BadRequest($"resourceVersion: Invalid value: \"{rvText}\": must be a non-negative integer");
        }

        var timeout = TimeSpan.FromMinutes(30);
        if (query["timeoutSeconds"].ToString() is { Length: > 0 } seconds)
        {
            timeout = int.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out var s)
                ? TimeSpan.FromSeconds(s)
                : throw ApiStatusException.BadRequest($"timeoutSeconds: Invalid value: \"{seconds}\": must be a non-negative integer");
        }

        var bookmarks = IsTrue(query["allowWatchBookmarks"]);
        var asTable = WantsTable(context.Request);
        var includeObject = IncludeObject(context.Request);
        var filter = FilterOf(query);
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "application/json";
        WatchSubscription subscription;
        try
        {
            subscription = store.Watch(kind.StorageKey, ns, since, filter);
        }
        catch (ResourceVersionTooOldException e)
        {
            await WriteEventAsync(response, "ERROR", JsonOutput.Utf8(ApiStatusException.Gone(e.Message).ToStatus()), context.RequestAborted);
            return;
        }

        using (subscription)
        using (var lifetime = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted))
        {
            lifetime.CancelAfter(timeout);
            await response.StartAsync(lifetime.Token);
            if (faults.ShouldDropWatch())
            {
                return;
            }

            var sentColumns = false;
            var bookmarkDue = bookmarks;
            try
            {
                while (true)
                {
                    while (subscription.Events.TryRead(out var change))
                    {
                        var json = change.Stored.Json;
                        if (asTable)
                        {
                            var table = tables.Convert(kind, [ResourceOperations.Parse(change.Stored)], change.Stored.ResourceVersion.ToString(CultureInfo.InvariantCulture), includeObject, !sentColumns);
                            sentColumns = true;
                            json = JsonOutput.Utf8(table);
                        }

                        await WriteEventAsync(response, change.TypeName, json, lifetime.Token);
                    }

                    if (bookmarkDue && store.Atomically(() => subscription.Events.TryPeek(out _) ? (long?)null : store.ResourceVersion) is { } bookmarkVersion)
                    {
                        var bookmark = new JsonObject
                        {
                            ["kind"] = asTable ? "Table" : kind.Kind,
                            ["apiVersion"] = asTable ? "meta.k8s.io/v1" : kind.ApiVersion,
                            ["metadata"] = new JsonObject { ["resourceVersion"] = bookmarkVersion.ToString(CultureInfo.InvariantCulture), ["creationTimestamp"] = null },
                        };
                        await WriteEventAsync(response, "BOOKMARK", JsonOutput.Utf8(bookmark), lifetime.Token);
                        bookmarkDue = false;
                    }

                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(lifetime.Token);
                    if (bookmarks)
                    {
                        wait.CancelAfter(bookmarkInterval);
                    }

                    try
                    {
                        if (!await subscription.Events.WaitToReadAsync(wait.Token))
                        {
                            return;
                        }
                    }
                    catch (OperationCanceledException) when (!lifetime.IsCancellationRequested)
                    {
                        bookmarkDue = true;
                    }
                }
            }
            catch (OperationCanceledException) when (lifetime.IsCancellationRequested)
            {
                // timeoutSeconds passed or the client left: end the stream cleanly.
            }
        }
    }

    private static async Task WriteEventAsync(HttpResponse response, string type, byte[] objectJson, CancellationToken ct)
    {
        var head = Encoding.UTF8.GetBytes($"{{\"type\":\"{type}\",\"object\":");
        var line = new byte[head.Length + objectJson.Length + 2];
        head.CopyTo(line, 0);
        objectJson.CopyTo(line, head.Length);
        line[^2] = (byte)'}';
        line[^1] = Newline[0];
        await response.Body.WriteAsync(line, ct);
        await response.Body.FlushAsync(ct);
    }

    private static Func<StoredObject, bool> FilterOf(IQueryCollection query)
    {
        try
        {
            var labels = LabelSelector.Parse(query["labelSelector"].ToString());
            var fields = FieldSelector.Parse(query["fieldSelector"].ToString());
            return obj => labels.Matches(obj.Labels) && fields.Matches(obj.Namespace, obj.Name);
        }
        catch (FormatException e)
        {
            throw ApiStatusException.BadRequest(e.Message);
        }
    }

    private static async Task<(string? ResourceVersion, string? Uid)> DeletePreconditionsAsync(HttpRequest request)
    {
        var body = await ReadBodyAsync(request);
        if (body.Length == 0)
        {
            return (null, null);
        }

        try
        {
            var preconditions = LastKeyWins.Parse(body)?["preconditions"];
            return (preconditions?["resourceVersion"]?.ToString(), preconditions?["uid"]?.ToString());
        }
        catch (JsonException e)
        {
            throw ApiStatusException.BadRequest($"DeleteOptions: {e.Message}");
        }
    }

    /// <summary>JSON, or for a Namespace also the protobuf that <c>kubectl create namespace</c> sends.</summary>
    private static async Task<JsonObject> ReadCreateBodyAsync(ResourceKind kind, HttpContext context, WriteOptions options)
    {
        var request = context.Request;
        if (kind == BuiltinResources.Namespaces && (request.ContentType ?? string.Empty).StartsWith("application/vnd.kubernetes.protobuf", StringComparison.Ordinal))
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
            try
            {
                return ProtobufNamespaceReader.Read(buffer.ToArray());
            }
            catch (FormatException e)
            {
                throw ApiStatusException.BadRequest(e.Message);
            }
        }

        var body = await ReadBodyAsync(request);
        var parsed = ResourceOperations.ParseBody(body);
        CheckDuplicateFields(context, body, options, ObjectDecodingError(kind), string.Empty);
        return parsed;
    }

    /// <summary>The prefix of the real server's strict decoding error for an object body (as for unknown fields).</summary>
    private static string ObjectDecodingError(ResourceKind kind) =>
        $"{kind.Kind} in version \"{kind.Version}\" cannot be handled as a {kind.Kind}: strict decoding error: ";

    /// <summary>
    /// Repeated keys in a JSON body (which the parser resolved to the last value): under Strict a 400 naming each,
    /// before anything is written; under Warn a Warning header each and the write goes on; under Ignore nothing.
    /// </summary>
    private static void CheckDuplicateFields(HttpContext context, byte[] body, WriteOptions options, string strictPrefix, string fieldPrefix)
    {
        if (options.Validation == FieldValidation.Ignore)
        {
            return;
        }

        var duplicates = DuplicateKeys.Find(body).Select(path => $"{fieldPrefix}duplicate field \"{path}\"").ToList();
        if (duplicates.Count == 0)
        {
            return;
        }

        if (options.Validation == FieldValidation.Strict)
        {
            throw ApiStatusException.BadRequest(strictPrefix + string.Join(", ", duplicates));
        }

        foreach (var warning in duplicates)
        {
            context.Response.Headers.Append("Warning", WarningHeader.Format(warning));
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        var mediaType = (request.ContentType ?? string.Empty).Split(';')[0].Trim();
        if (mediaType.Contains("protobuf", StringComparison.Ordinal) || mediaType.Contains("cbor", StringComparison.Ordinal))
        {
            throw ApiStatusException.UnsupportedMediaType(mediaType, ["application/json"]);
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        return buffer.ToArray();
    }

    private async Task WriteObjectAsync(HttpContext context, int code, ResourceKind kind, JsonObject obj)
    {
        if (WantsTable(context.Request))
        {
            var table = tables.Convert(kind, [obj], ObjectMetadata.String(obj, "resourceVersion") ?? string.Empty, IncludeObject(context.Request));
            await WriteJsonAsync(context, code, table);
            return;
        }

        await WriteJsonAsync(context, code, obj);
    }

    private static bool WantsTable(HttpRequest request) =>
        request.Headers.Accept.ToString().Split(',').FirstOrDefault()?.Contains("as=Table", StringComparison.Ordinal) == true;

    private static bool IncludeObject(HttpRequest request) => request.Query["includeObject"].ToString() == "Object";

    private static bool IsTrue(Microsoft.Extensions.Primitives.StringValues value) => value.ToString() is "1" or "true" or "True";

    private static async Task WriteJsonAsync(HttpContext context, int code, JsonNode document)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(JsonOutput.Utf8(document), context.RequestAborted);
    }

    private static async Task WriteStatusAsync(HttpContext context, ApiStatusException error)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        await WriteJsonAsync(context, error.Code, error.ToStatus());
    }
}
