using Microsoft.AspNetCore.Http;
using NumaOperator.ApiServer.Http.Decoding;
using NumaOperator.ApiServer.Http.Handlers;

namespace NumaOperator.ApiServer.Http;

/// <summary>
/// Which verb handler serves a resource URL and method, as kube-apiserver's installer registers them: on a
/// collection GET (list or watch), POST (create), DELETE (deletecollection); on an object GET, PUT, PATCH, DELETE;
/// on /status GET, PUT, PATCH. Read-only resources take GETs only. Checks run in the order of the real server's
/// chain: the path (404), the method (405), then an injected 409 for writes (fault injection), then the query (400).
/// </summary>
public sealed class ResourceRoutes(RequestScope scope)
{
    public ApiRoute Resolve(HttpContext context, ClientIdentity identity, RequestTarget? target)
    {
        if (target is null || (target.Subresource is not null && (target.Subresource != "status" || !target.Kind.HasStatusSubresource)))
        {
            throw ApiStatusException.NotFoundPath();
        }

        var method = context.Request.Method;
        var mutating = !HttpMethods.IsGet(method);
        if (mutating && target.Kind.ReadOnly)
        {
            throw ApiStatusException.MethodNotAllowed();
        }

        if (mutating && scope.Faults.ShouldConflict())
        {
            throw ApiStatusException.Conflict(target.Kind, target.Name ?? string.Empty);
        }

        var request = new ResourceRequest(context, target, identity, QueryOptions.WriteOptionsOf(context.Request.Query));
        var handler = target.Name is null ? CollectionHandler(request, method) : ObjectHandler(request, method);
        return new ApiRoute(handler, mutating, target);
    }

    private Func<IDisposable, Task> CollectionHandler(ResourceRequest request, string method)
    {
        if (HttpMethods.IsGet(method))
        {
            return QueryOptions.IsTrue(request.Request.Query["watch"])
                ? seat => WatchResource.HandleAsync(scope, request, seat)
                : _ => ListResource.HandleAsync(scope, request);
        }

        return request.Namespace is null ? throw ApiStatusException.MethodNotAllowed()
            : HttpMethods.IsPost(method) ? _ => CreateResource.HandleAsync(scope, request)
            : HttpMethods.IsDelete(method) ? _ => DeleteCollectionResource.HandleAsync(scope, request)
            : throw ApiStatusException.MethodNotAllowed();
    }

    private Func<IDisposable, Task> ObjectHandler(ResourceRequest request, string method)
    {
        if (request.Namespace is null)
        {
            throw ApiStatusException.NotFoundPath();
        }

        return HttpMethods.IsGet(method) ? _ => GetResource.HandleAsync(scope, request)
            : HttpMethods.IsPut(method) ? _ => UpdateResource.HandleAsync(scope, request)
            : HttpMethods.IsPatch(method) ? _ => PatchResource.HandleAsync(scope, request)
            : HttpMethods.IsDelete(method) && !request.StatusOnly ? _ => DeleteResource.HandleAsync(scope, request)
            : throw ApiStatusException.MethodNotAllowed();
    }
}
