using NumaOperator.ApiServer.Http.Decoding;
using NumaOperator.ApiServer.Json;
using NumaOperator.ApiServer.Storage;

namespace NumaOperator.ApiServer.Http.Handlers;

/// <summary>DELETE of one object (kube-apiserver endpoints/handlers/delete.go), with uid/resourceVersion preconditions.</summary>
public static class DeleteResource
{
    public static async Task HandleAsync(RequestScope scope, ResourceRequest request)
    {
        var (rv, uid) = await scope.Decoder.ReadDeletePreconditionsAsync(request.Request);
        var last = scope.Operations.Delete(request.Kind, request.Namespace!, request.Name, rv, uid, request.Options);
        await ResponseWriter.WriteObjectAsync(scope, request.Context, 200, request.Kind, last);
    }
}

/// <summary>DELETE of a collection (delete.go DeleteCollection): each selected object as one delete; the list of what was deleted.</summary>
public static class DeleteCollectionResource
{
    public static async Task HandleAsync(RequestScope scope, ResourceRequest request)
    {
        var ns = request.Namespace!;
        var selectors = QueryOptions.SelectorsOf(request.Request.Query, scope.Limits);
        var (items, _) = scope.Store.List(request.Kind.StorageKey, ns.Length == 0 ? null : ns, selectors.Matches);
        var deleted = new List<StoredObject>();
        foreach (var item in items)
        {
            try
            {
                var last = scope.Operations.Delete(request.Kind, item.Namespace, item.Name, null, null, request.Options);
                deleted.Add(item with { Json = JsonOutput.Utf8(last) });
            }
            catch (ApiStatusException e) when (e.Code == 404)
            {
                // Deleted meanwhile by someone else.
            }
        }

        await ResponseWriter.WriteListAsync(request.Context, request.Kind, deleted, ResponseWriter.ListMetadata(scope.Store.ResourceVersion));
    }
}
