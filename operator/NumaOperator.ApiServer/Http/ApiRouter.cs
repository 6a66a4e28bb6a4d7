using Microsoft.AspNetCore.Http;
using NumaOperator.ApiServer.Resources;

namespace NumaOperator.ApiServer.Http;

/// <summary>
/// Maps a path to its route: /version, the health checks, discovery (/api, /apis, ...), /openapi/v2 and v3, and the resource
/// URLs, which <see cref="ResourceRoutes"/> hands to the verb handlers. An unknown path is 404.
/// </summary>
public sealed class ApiRouter(ResourceRegistry registry, DiscoveryDocuments discovery, OpenApiDocuments openApi, ResourceRoutes resources, Handlers.AccessReviews? reviews = null)
{
    public ApiRoute Resolve(HttpContext context, ClientIdentity identity)
    {
        var segments = (context.Request.Path.Value ?? "/").Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var get = HttpMethods.IsGet(context.Request.Method);
        return segments switch
        {
            ["version"] when get => Json(context, DiscoveryDocuments.Version()),
            ["healthz" or "livez" or "readyz", ..] when get => new ApiRoute(_ => HealthyAsync(context), false) { Exempt = true },
            ["api"] when get => Json(context, DiscoveryDocuments.CoreVersions(context.Request.Host.Value ?? "127.0.0.1")),
            ["apis"] when get => Json(context, discovery.Groups()),
            ["apis", var group] when get => Json(context, discovery.Group(group)),
            ["api", var version] when get => Json(context, discovery.Resources(string.Empty, version)),
            ["apis", var group, var version] when get => Json(context, discovery.Resources(group, version)),
            ["openapi", "v2"] when get => OpenApiV2(context),
            ["openapi", "v3"] when get => Json(context, openApi.Index()),
            ["openapi", "v3", ..] when get => OpenApiDocument(context, string.Join('/', segments[2..])),
            ["apis", "authentication.k8s.io", "v1", "tokenreviews"] when reviews is not null && HttpMethods.IsPost(context.Request.Method) => new ApiRoute(_ => reviews.TokenReviewAsync(context), true),
            ["apis", "authorization.k8s.io", "v1", "subjectaccessreviews"] when reviews is not null && HttpMethods.IsPost(context.Request.Method) => new ApiRoute(_ => reviews.SubjectAccessReviewAsync(context), true),
            ["api", var version, ..] => resources.Resolve(context, identity, RequestTarget.Resolve(registry, string.Empty, version, segments.AsSpan(2))),
            ["apis", var group, var version, ..] => resources.Resolve(context, identity, RequestTarget.Resolve(registry, group, version, segments.AsSpan(3))),
            _ => throw ApiStatusException.NotFoundPath(),
        };
    }

    private static ApiRoute Json(HttpContext context, System.Text.Json.Nodes.JsonNode? document) =>
        document is null
            ? throw ApiStatusException.NotFoundPath()
            : new ApiRoute(_ => ResponseWriter.WriteJsonAsync(context, 200, document), false);

    private ApiRoute OpenApiDocument(HttpContext context, string path)
    {
        var document = openApi.Document(path) ?? throw ApiStatusException.NotFoundPath();
        return new ApiRoute(
            async _ =>
            {
                context.Response.ContentType = "application/json";
                await context.Response.Body.WriteAsync(document, context.RequestAborted);
            },
            false);
    }

    /// <summary>kubectl asks for protobuf: it validates the items of a kind: List manifest against this on the client.</summary>
    private ApiRoute OpenApiV2(HttpContext context) => new(
        async _ =>
        {
            var protobuf = OpenApiV2Document.AcceptsProtobuf(context.Request.Headers.Accept.ToString());
            context.Response.ContentType = protobuf ? OpenApiV2Document.ProtobufMediaType : "application/json";
            await context.Response.Body.WriteAsync(protobuf ? openApi.V2Protobuf : openApi.V2Json, context.RequestAborted);
        },
        false);

    private static async Task HealthyAsync(HttpContext context)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync("ok", context.RequestAborted);
    }
}
