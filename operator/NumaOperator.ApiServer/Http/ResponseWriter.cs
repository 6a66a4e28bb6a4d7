using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using NumaOperator.ApiServer.Http.Decoding;
using NumaOperator.ApiServer.Json;
using NumaOperator.ApiServer.Resources;
using NumaOperator.ApiServer.Storage;

namespace NumaOperator.ApiServer.Http;

/// <summary>Writes responses as the real server does: JSON objects, lists, Tables when asked for, and Status errors.</summary>
public static class ResponseWriter
{
    public static async Task WriteJsonAsync(HttpContext context, int code, JsonNode document)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(JsonOutput.Utf8(document), context.RequestAborted);
    }

    /// <summary>One object, or a one-row Table when the client asked for Tables.</summary>
    public static async Task WriteObjectAsync(RequestScope scope, HttpContext context, int code, ResourceKind kind, JsonObject obj)
    {
        if (QueryOptions.WantsTable(context.Request))
        {
            var table = scope.Tables.Convert(kind, [obj], ObjectMetadata.String(obj, "resourceVersion") ?? string.Empty, QueryOptions.IncludeObject(context.Request));
            await WriteJsonAsync(context, code, table);
            return;
        }

        await WriteJsonAsync(context, code, obj);
    }

    /// <summary>A list written straight from each object's stored JSON (no re-serialization), with its list metadata.</summary>
    public static async Task WriteListAsync(HttpContext context, ResourceKind kind, IReadOnlyList<StoredObject> items, JsonObject listMetadata)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        var body = context.Response.Body;
        var ct = context.RequestAborted;
        await body.WriteAsync(Encoding.UTF8.GetBytes($"{{\"apiVersion\":\"{kind.ApiVersion}\",\"kind\":\"{kind.ListKind}\",\"metadata\":{listMetadata.ToJsonString()},\"items\":["), ct);
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

    /// <summary>ListMeta: resourceVersion, and for a page with more after it, continue and (without selectors) remainingItemCount.</summary>
    public static JsonObject ListMetadata(long resourceVersion, string? continueToken = null, long? remainingItemCount = null)
    {
        var metadata = new JsonObject { ["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture) };
        if (continueToken is not null)
        {
            metadata["continue"] = continueToken;
        }

        if (remainingItemCount is not null)
        {
            metadata["remainingItemCount"] = remainingItemCount;
        }

        return metadata;
    }

    /// <summary>A Status for the error, unless the response has started (a watch that failed midway just ends).</summary>
    public static async Task WriteStatusAsync(HttpContext context, ApiStatusException error)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        if (error.RetryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        await WriteJsonAsync(context, error.Code, error.ToStatus());
    }
}
